"""E-mail notifications: coordinators hear of new submissions and join requests, askers of answers.

Optional. Without ``COP_SMTP_URL`` every function here returns ``None`` at once and nothing
else happens: the app works the same. With it, the caller first stores the thing the
message is about and then calls the matching ``notify_*`` function, which composes one
short message (Dutch, then English: the recipients' language is not known) and hands it to
:func:`cop.core.mail.send_later`, a background thread with a timeout. A mail server that is
slow, down or refusing never loses the stored item and never keeps the page waiting; the
failure is logged.

Who receives what
-----------------
coordinators (new submission, new join request)
    the e-mail addresses of accounts with role ``coordinator`` (``python -m cop user email
    NAME ADDRESS``), the coordinators named by ``COP_OIDC_COORDINATORS`` when sign-in goes
    through OpenID Connect (those are e-mail addresses), and the CoP's public contact
    ``COP_COORDINATOR_EMAIL``; each address once, in one message.
the asker (a new answer)
    the e-mail addresses of the member accounts of the asking municipality: a question
    belongs to a municipality, not to one person, and any of its members may mark it
    answered. An answer written by the asking municipality itself notifies nobody.

Messages carry what a recipient needs to act (which municipality, which practice or
question) and nothing more; they never contain a password or a link with a secret.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from cop.access import accounts
from cop.core import config, i18n
from cop.core.mail import Delivery, Message, send_later
from cop.data import storage

__all__ = [
    "answer_message",
    "asker_addresses",
    "coordinator_addresses",
    "join_request_message",
    "notify_answer",
    "notify_join_request",
    "notify_submission",
    "submission_message",
]

log = logging.getLogger(__name__)

QUOTE_LIMIT = 600  # characters of a person's text quoted in a message


# ---------------------------------------------------------------- recipients


def coordinator_addresses(
    engine: Engine, environ: Mapping[str, str] | None = None
) -> tuple[str, ...]:
    """Where coordinators' notifications go (module doc), sorted, each address once."""
    found = accounts.notification_addresses(engine, "coordinator")
    try:
        auth = config.auth_settings(environ)
    except ValueError:
        auth = None  # the sign-in box reports a bad sign-in setting; mail still goes out
    if auth is not None and auth.mode == "oidc":
        found += sorted(auth.oidc_coordinators)
    public = config.coordinator_email(environ)
    if public:
        found.append(public)
    return _unique(found)


def asker_addresses(engine: Engine, municipality_code: str) -> tuple[str, ...]:
    """The addresses of the member accounts of the municipality that asked (module doc)."""
    return _unique(accounts.notification_addresses(engine, "member", municipality_code))


def _unique(addresses: list[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for address in addresses:
        seen.setdefault(address.strip().lower(), address.strip())
    return tuple(sorted(seen.values(), key=str.lower))


# ---------------------------------------------------------------- composing


def _both(subject_key: str, body_key: str, **values: object) -> tuple[str, str]:
    """Subject and body in Dutch and English, joined (the recipient's language is unknown)."""
    subject = " / ".join(i18n.t(subject_key, lang, **values) for lang in i18n.LANGUAGES)
    bodies = [i18n.t(body_key, lang, **values) for lang in i18n.LANGUAGES]
    footer = " / ".join(i18n.t("notify.footer", lang) for lang in i18n.LANGUAGES)
    body = f"{bodies[0]}\n\n-- English --\n\n{bodies[1]}\n\n{footer}\n"
    return subject, body


def _text(value: object, limit: int = QUOTE_LIMIT) -> str:
    """A stored text as one quoted paragraph (a message is plain text: nothing runs)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _theme(code: object) -> str:
    return " / ".join(i18n.label("theme", code, lang) for lang in i18n.LANGUAGES)


def submission_message(
    measure: Mapping[str, object], municipality_name: str, to: tuple[str, ...]
) -> Message:
    """ "A practice waits for review": title, municipality, theme and who submitted it."""
    subject, body = _both(
        "notify.submission_subject",
        "notify.submission_body",
        title=_text(measure.get("title"), 120),
        municipality=municipality_name,
        theme=_theme(measure.get("theme")),
        by=_text(measure.get("submitted_by"), 120),
    )
    return Message(to, subject, body)


def join_request_message(
    request: Mapping[str, object], municipality_name: str, to: tuple[str, ...]
) -> Message:
    """ "A municipality wants to join": who, their role and address, and their message."""
    subject, body = _both(
        "notify.join_subject",
        "notify.join_body",
        municipality=municipality_name,
        name=_text(request.get("name"), 120),
        role=_text(request.get("role"), 120),
        email=_text(request.get("email"), 254),
        message=_text(request.get("message")),
    )
    return Message(to, subject, body)


def answer_message(
    answer: Mapping[str, object],
    question: Mapping[str, object],
    answerer_name: str,
    to: tuple[str, ...],
) -> Message:
    """ "Your question has an answer": the question, who answered and the answer."""
    subject, body = _both(
        "notify.answer_subject",
        "notify.answer_body",
        question=_text(question.get("question"), 300),
        answerer=answerer_name,
        answer=_text(answer.get("text")),
        id=question.get("id"),
    )
    return Message(to, subject, body)


def _municipality_name(engine: Engine, code: object) -> str:
    towns = storage.SQL_TABLES["municipalities"]
    with engine.connect() as conn:
        name = conn.execute(sa.select(towns.c.name).where(towns.c.code == str(code))).scalar()
    return f"{name} ({code})" if name else str(code)


def _expert_name(engine: Engine, expert_id: object) -> str:
    experts = storage.SQL_TABLES["experts"]
    with engine.connect() as conn:
        name = conn.execute(
            sa.select(experts.c.name).where(experts.c.id == int(expert_id))
        ).scalar()
    return str(name) if name else str(expert_id)


# ---------------------------------------------------------------- sending


def _settings(environ: Mapping[str, str] | None) -> config.MailSettings | None:
    try:
        return config.mail_settings(environ)
    except ValueError as exc:
        log.warning("e-mail notifications are off: %s", exc)
        return None


def _dispatch(message: Message, settings: config.MailSettings, what: str) -> Delivery | None:
    if not message.to:
        log.info("no e-mail address to notify of %s", what)
        return None
    return send_later([message], settings)


def notify_submission(
    engine: Engine, measure: Mapping[str, object], *, environ: Mapping[str, str] | None = None
) -> Delivery | None:
    """Tell the coordinators that a practice waits for review (call after storing it).

    ``measure`` is the stored row (``title``, ``municipality_code``, ``theme``; optionally
    ``submitted_by``). Returns the :class:`~cop.core.mail.Delivery` on its way, or ``None``
    when nothing is sent (no ``COP_SMTP_URL``, invalid mail settings, no recipient).
    """
    settings = _settings(environ)
    if settings is None:
        return None
    try:
        to = coordinator_addresses(engine, environ)
        name = _municipality_name(engine, measure.get("municipality_code"))
    except sa.exc.SQLAlchemyError as exc:
        log.warning("no e-mail about a new submission: %s", exc)
        return None
    return _dispatch(submission_message(measure, name, to), settings, "a new submission")


def notify_join_request(
    engine: Engine, request: Mapping[str, object], *, environ: Mapping[str, str] | None = None
) -> Delivery | None:
    """Tell the coordinators that a municipality asks to join (call after storing it).

    ``request`` is the stored join request (``municipality_code``, ``name``, ``role``,
    ``email``, ``message``). Returns like :func:`notify_submission`.
    """
    settings = _settings(environ)
    if settings is None:
        return None
    try:
        to = coordinator_addresses(engine, environ)
        name = _municipality_name(engine, request.get("municipality_code"))
    except sa.exc.SQLAlchemyError as exc:
        log.warning("no e-mail about a new join request: %s", exc)
        return None
    return _dispatch(join_request_message(request, name, to), settings, "a new join request")


def notify_answer(
    engine: Engine,
    answer: Mapping[str, object],
    question: Mapping[str, object],
    *,
    environ: Mapping[str, str] | None = None,
) -> Delivery | None:
    """Tell the asking municipality's members that their question has an answer.

    ``answer`` is the stored answer (``municipality_code`` or ``expert_id``, ``text``),
    ``question`` the help question (``id``, ``municipality_code``, ``question``). An
    answer from the asking municipality itself sends nothing. Returns like
    :func:`notify_submission`.
    """
    settings = _settings(environ)
    if settings is None:
        return None
    asker = question.get("municipality_code")
    if answer.get("municipality_code") == asker:
        return None
    try:
        to = asker_addresses(engine, str(asker))
        expert = answer.get("expert_id")
        if expert is not None and not pd.isna(expert):
            answerer = _expert_name(engine, expert)
        else:
            answerer = _municipality_name(engine, answer.get("municipality_code"))
    except sa.exc.SQLAlchemyError as exc:
        log.warning("no e-mail about a new answer: %s", exc)
        return None
    return _dispatch(answer_message(answer, question, answerer, to), settings, "a new answer")
