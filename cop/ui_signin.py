"""The sign-in box in the sidebar: password accounts (cop.access.accounts) and OpenID
Connect, the session keys they fill, and signing out. Part of the ui layer; the cookie that
keeps a sign-in across reloads lives in cop.ui_session."""

from __future__ import annotations

import time

import streamlit as st

from cop import ui
from cop.access import accounts
from cop.core import config


def _sign_out() -> None:
    from cop import ui_session

    ui_session.forget_sign_in()
    for key in (ui.ROLE_KEY, ui.USER_KEY, ui.SIGNED_IN_AT_KEY, ui.MUNICIPALITY_KEY):
        st.session_state.pop(key, None)


def _sign_in(
    username: str,
    role_name: str,
    municipality: str | None,
    *,
    signed_in_at: float | None = None,
    token: str | None = None,
) -> None:
    st.session_state[ui.USER_KEY] = username
    st.session_state[ui.ROLE_KEY] = role_name
    st.session_state[ui.MUNICIPALITY_KEY] = municipality
    st.session_state[ui.SIGNED_IN_AT_KEY] = time.time() if signed_in_at is None else signed_in_at
    if token is not None:
        st.session_state[ui.TOKEN_KEY] = token


def sign_in_box() -> None:
    """Sign-in and sign-out in the sidebar; checks on every run that the session still holds.

    The role it stores under ``ROLE_KEY`` is what :func:`role` and :mod:`cop.access.visibility` use.
    Password mode re-reads the account on every run, so a removed account or changed role
    takes effect at the next click, and a sign-in older than ``COP_SESSION_MINUTES`` ends.
    """
    try:
        settings = config.auth_settings()
    except ValueError as exc:
        _sign_out()
        st.error(ui.tr("auth.config_invalid", detail=str(exc)))
        return
    from cop import ui_session

    if settings.mode == "oidc":
        _oidc_box(settings)
        return
    if ui.USER_KEY not in st.session_state:
        ui_session.restore_sign_in(settings.session_minutes)
    if ui.USER_KEY in st.session_state:
        user = accounts.get_user(ui.engine(), str(st.session_state[ui.USER_KEY]))
        started = st.session_state.get(ui.SIGNED_IN_AT_KEY)
        if (
            user is None
            or accounts.session_expired(started, time.time(), settings.session_minutes)
            or ui_session.signed_out_elsewhere()
        ):
            _sign_out()
            st.warning(ui.tr("auth.expired"), icon=":material/timer_off:")
        else:
            st.session_state[ui.ROLE_KEY] = user.role
            st.session_state[ui.MUNICIPALITY_KEY] = user.municipality_code
    elif ui.role() != "visitor":  # a role without a signed-in account is never trusted
        _sign_out()
    if ui.USER_KEY in st.session_state:
        st.caption(
            ui.tr(
                "auth.signed_in_as",
                username=ui.md(st.session_state[ui.USER_KEY]),
                role=ui.tr(f"auth.roles.{ui.role()}"),
            )
        )
        st.button(
            ui.tr("auth.sign_out"), key="sign_out", on_click=_sign_out, icon=":material/logout:"
        )
        return
    with st.expander(ui.tr("auth.sign_in"), icon=":material/login:"):
        with st.form("sign_in_form", clear_on_submit=True, border=False):
            username = st.text_input(
                ui.tr("auth.username"), key="sign_in_username", autocomplete="username"
            )
            password = st.text_input(
                ui.tr("auth.password"),
                type="password",
                key="sign_in_password",
                autocomplete="current-password",
            )
            submitted = st.form_submit_button(ui.tr("auth.sign_in"), key="sign_in_submit")
        if submitted:
            result = accounts.authenticate(ui.engine(), username, password)
            if result.user is None:
                st.error(ui.tr(result.message_key))
            else:
                _sign_in(result.user.username, result.user.role, result.user.municipality_code)
                ui_session.keep_sign_in(result.user.username, settings.session_minutes)
                st.rerun()


def _oidc_sign_out() -> None:
    _sign_out()
    st.logout()


def _oidc_box(settings: config.AuthSettings) -> None:
    """Sign-in through the organisation's identity provider (``st.login``)."""
    claims = st.user.to_dict()
    if not claims.get("is_logged_in"):
        _sign_out()
        if st.button(ui.tr("auth.sign_in_oidc"), key="sign_in_oidc", icon=":material/login:"):
            try:
                if settings.oidc_provider:
                    st.login(settings.oidc_provider)
                else:
                    st.login()
            except st.errors.StreamlitAuthError as exc:
                st.error(ui.tr("auth.oidc_unavailable", detail=str(exc)))
        return
    email = str(claims.get("email") or "").lower()
    started = st.session_state.get(ui.SIGNED_IN_AT_KEY)
    if st.session_state.get(ui.USER_KEY) != email:
        _sign_in(email, "visitor", None)
    elif accounts.session_expired(started, time.time(), settings.session_minutes):
        _oidc_sign_out()
        return
    st.session_state[ui.ROLE_KEY] = accounts.oidc_role(claims, settings)
    st.caption(
        ui.tr("auth.signed_in_as", username=ui.md(email), role=ui.tr(f"auth.roles.{ui.role()}"))
    )
    if ui.role() == "visitor":
        st.info(ui.tr("auth.no_rights"), icon=":material/person_off:")
    st.button(
        ui.tr("auth.sign_out"), key="sign_out", on_click=_oidc_sign_out, icon=":material/logout:"
    )
