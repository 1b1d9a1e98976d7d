"""Who may see and change what: roles, the visibility of personal data, accounts and sign-in.

Owns: ``visibility`` (the single gate for personal tables and the role rules), ``accounts``
(password hashing, lockout, sessions, OpenID Connect roles) and ``editing`` (the coordinator's
import and table-edit path, which checks the role before anything is written).

May use: ``cop.data`` and ``cop.core``.
"""
