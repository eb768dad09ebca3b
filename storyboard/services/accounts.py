"""Users, passwords, API keys and login tokens.

A login token is an HS256 JWT with `sub`, `uid`, `jti`, `iat` and `exp`, all required. It ends at `exp`, at
logout (its `jti` in `revoked_tokens` until it would have expired), or when its user's password changes (`iat`
before `users.tokens_valid_after`). Every request reads these and `is_active` in its own transaction, so each
takes effect from the next request on.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import jwt
from flask import current_app
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from storyboard import errors
from storyboard.models import ApiKey, RevokedToken, User, db, utcnow
from storyboard.services.core.transactions import write_if_free

KEY_PREFIX = "sk_"
# How stale an API key's last_used may get before a request records it again.
TOUCH_EVERY = timedelta(minutes=1)
# A token without an expiry or an id could never be ended, so none is accepted without them.
REQUIRED_CLAIMS = ["sub", "uid", "jti", "iat", "exp"]
# Per hash method: a hash of a random password that unknown usernames are checked against.
_DUMMY_HASHES: dict[str, str] = {}


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _hash_password(password: str) -> str:
    # The method is configurable so tests can use cheap parameters; check_password_hash reads it from the hash.
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def _dummy_hash() -> str:
    """A hash made once with the configured method, so a login for a username that does not exist (or has no
    password) costs the same verification as a wrong password: timing does not tell which usernames exist."""
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash(secrets.token_urlsafe(16), method=method)
    return _DUMMY_HASHES[method]


def create_user(username: str, password: str | None = None, email: str | None = None) -> User:
    """Create a user; Conflict when the username is taken."""
    if db.session.scalar(select(User).where(User.username == username)):
        raise errors.Conflict(f"User '{username}' already exists")
    user = User(
        username=username,
        email=email,
        password_hash=_hash_password(password) if password else None,
    )
    db.session.add(user)
    db.session.commit()
    return user


def get_user_by_name(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise errors.NotFound(f"User '{username}' not found")
    return user


def find_user(name_or_email: str) -> User:
    """The user with this username, else the one user with this email; NotFound, or Conflict when several
    users share the email (name one by its username then)."""
    user = db.session.scalar(select(User).where(User.username == name_or_email))
    if user is not None:
        return user
    matches = list(db.session.scalars(select(User).where(User.email == name_or_email).limit(2)))
    if len(matches) > 1:
        raise errors.Conflict(f"Several users have the email '{name_or_email}': name one by its username")
    if not matches:
        raise errors.NotFound(f"User '{name_or_email}' not found")
    return matches[0]


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.created_at, User.username)))


def create_api_key(owner: User, name: str, expires_days: int | None = None) -> tuple[ApiKey, str]:
    """Create a key; the plain key is returned once and only its digest is stored."""
    plain = KEY_PREFIX + secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(days=expires_days) if expires_days else None
    key = ApiKey(user_id=owner.id, name=name, prefix=plain[:10], digest=_digest(plain), expires_at=expires)
    db.session.add(key)
    db.session.commit()
    return key, plain


def list_api_keys(owner: User) -> list[ApiKey]:
    query = select(ApiKey).where(ApiKey.user_id == owner.id).order_by(ApiKey.created_at.desc())
    return list(db.session.scalars(query))


def revoke_api_key(owner: User, key_id: str) -> None:
    key = db.session.scalar(select(ApiKey).where(ApiKey.id == key_id, ApiKey.user_id == owner.id))
    if key is None:
        raise errors.NotFound("API key not found")
    key.is_active = False
    db.session.commit()


def revoke_key(key_id: str) -> tuple[ApiKey, User]:
    """Revoke any user's key by its id (the operator's command): it stops authenticating with the next
    request. NotFound when there is no such key."""
    row = db.session.execute(select(ApiKey, User).join(User, User.id == ApiKey.user_id).where(ApiKey.id == key_id))
    found = row.first()
    if found is None:
        raise errors.NotFound(f"API key '{key_id}' not found")
    key, owner = found
    key.is_active = False
    db.session.commit()
    return key, owner


def local_key(username: str, stored: str | None, name: str) -> tuple[User, str, int]:
    """The local user's key for `make run`: `stored` while it still authenticates as that user, else a new key
    named `name` (the user made if need be), and the user's other keys of that name revoked, since nobody
    can read them any more. Returns (user, plain key, how many keys were revoked)."""
    if stored and (user := user_for_api_key(stored)) is not None and user.username == username:
        return user, stored, 0
    try:
        user = get_user_by_name(username)
    except errors.NotFound:
        user = create_user(username)
    _check_active(user)
    key, plain = create_api_key(user, name)
    stale = update(ApiKey).where(
        ApiKey.user_id == user.id, ApiKey.name == name, ApiKey.id != key.id, ApiKey.is_active.is_(True)
    )
    revoked = db.session.execute(stale.values(is_active=False)).rowcount
    db.session.commit()
    return user, plain, revoked


def user_for_api_key(plain: str) -> User | None:
    """One indexed lookup by digest, with its user in the same query; expired, revoked keys and inactive users
    do not authenticate."""
    row = db.session.execute(_KEY_AND_USER, {"digest": _digest(plain)}).first()
    if row is None or (row.expires_at and row.expires_at < utcnow()):
        return None
    _check_active(row.User)
    if row.last_used is None or utcnow() - row.last_used > TOUCH_EVERY:
        _touch(row.id)
    return row.User


# Built once (every request with a key runs it): the key's three columns and its user.
_KEY_AND_USER = (
    select(ApiKey.id, ApiKey.expires_at, ApiKey.last_used, User)
    .join(User, User.id == ApiKey.user_id)
    .where(ApiKey.digest == bindparam("digest"), ApiKey.is_active.is_(True))
)


def _touch(key_id: str) -> None:
    """Record the key's use, at most once a minute so reads stay cheap. Bookkeeping a GET can do without: on
    SQLite it is skipped while another connection writes (a later request records it), so a read never waits
    for the write lock or fails for it. Revocation does not depend on it: every request reads is_active."""
    now = utcnow()
    write_if_free(lambda: db.session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used=now)))


def issue_token(user: User, secret: str, minutes: int) -> str:
    # iat keeps its fraction of a second: a token issued just after a password change, in the same second,
    # must still count as newer than the change (tokens_valid_after).
    now = time.time()
    claims = {"sub": user.username, "uid": user.id, "jti": secrets.token_urlsafe(16), "iat": now}
    claims["exp"] = int(now) + minutes * 60
    return jwt.encode(claims, secret, algorithm="HS256")


def _claims(token: str, secret: str) -> dict | None:
    """The claims of a correctly signed, unexpired token that has every required claim; else None."""
    try:
        # iat is not compared with this host's clock (a token from a host a second ahead is not "from the
        # future"); it only has to be a number, for tokens_valid_after.
        claims = jwt.decode(
            token, secret, algorithms=["HS256"], options={"require": REQUIRED_CLAIMS, "verify_iat": False}
        )
    except jwt.PyJWTError:
        return None
    if not isinstance(claims["iat"], int | float) or not isinstance(claims["jti"], str) or len(claims["jti"]) > 64:
        return None
    return claims


def user_for_token(token: str, secret: str) -> User | None:
    """The user a login token names, in one query; None for a token that is invalid, expired, revoked at
    logout, or older than its user's last password change. Forbidden for an inactive user."""
    claims = _claims(token, secret)
    if claims is None:
        return None
    revoked = select(RevokedToken.jti).where(RevokedToken.jti == claims["jti"]).exists()
    row = db.session.execute(select(User, revoked).where(User.id == str(claims["uid"]))).first()
    if row is None or row[1]:
        return None
    user = row[0]
    if user.username != claims["sub"] or _issued_before(claims["iat"], user.tokens_valid_after):
        return None
    _check_active(user)
    return user


def _issued_before(iat: float, valid_after: datetime | None) -> bool:
    return valid_after is not None and iat < valid_after.timestamp()


def login(username: str, password: str, secret: str, minutes: int) -> tuple[User, str]:
    """Check the password and return (user, JWT); Unauthorized on any mismatch, Forbidden for an inactive user.
    An unknown username is checked against a dummy hash: the same work, the same time, the same answer."""
    user = db.session.scalar(select(User).where(User.username == username))
    stored = user.password_hash if user is not None else None
    matches = check_password_hash(stored or _dummy_hash(), password)
    if not stored or not matches:
        raise errors.Unauthorized("Incorrect username or password")
    _check_active(user)
    user.last_login = utcnow()
    db.session.commit()
    return user, issue_token(user, secret, minutes)


def logout(tokens: Iterable[str], secret: str) -> None:
    """Revoke every valid login token among `tokens` (the cookie's, the Bearer one) until it expires; anything
    else is ignored, so logout always succeeds."""
    parsed = (_claims(token, secret) for token in tokens)
    ending = {claims["jti"]: claims["exp"] for claims in parsed if claims is not None}
    if not ending:
        return
    known = set(db.session.scalars(select(RevokedToken.jti).where(RevokedToken.jti.in_(ending))))
    for jti, exp in ending.items():
        if jti not in known:
            db.session.add(RevokedToken(jti=jti, expires_at=datetime.fromtimestamp(exp, UTC)))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # a concurrent logout revoked the same token: it is revoked either way


def purge_revoked_tokens(now: datetime | None = None) -> int:
    """Forget revocations of tokens that have expired anyway (the sweeper calls this); returns how many."""
    result = db.session.execute(delete(RevokedToken).where(RevokedToken.expires_at < (now or utcnow())))
    db.session.commit()
    return result.rowcount


def set_password(user: User, password: str) -> None:
    """Set the password and end every login token issued before it (API keys are not touched)."""
    user.password_hash = _hash_password(password)
    user.tokens_valid_after = utcnow()
    db.session.commit()


def set_active(user: User, active: bool) -> None:
    """Activate or deactivate `user`: an inactive user's every credential answers 403 from the next request."""
    user.is_active = active
    db.session.commit()


def _check_active(user: User | None) -> None:
    if user is not None and not user.is_active:
        raise errors.Forbidden("Inactive user")
