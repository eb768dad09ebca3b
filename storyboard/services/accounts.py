"""Users, passwords, API keys and login tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import jwt
from flask import current_app
from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from storyboard import errors
from storyboard.models import ApiKey, User, db, utcnow
from storyboard.services.core.transactions import write_if_free

KEY_PREFIX = "sk_"
# How stale an API key's last_used may get before a request records it again.
TOUCH_EVERY = timedelta(minutes=1)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _hash_password(password: str) -> str:
    # The method is configurable so tests can use cheap parameters; check_password_hash reads it from the hash.
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


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


def user_for_api_key(plain: str) -> User | None:
    """One indexed lookup by digest, with its user in the same query; expired, revoked keys and inactive users
    do not authenticate."""
    query = (
        select(ApiKey, User)
        .join(User, User.id == ApiKey.user_id)
        .where(ApiKey.digest == _digest(plain), ApiKey.is_active.is_(True))
    )
    row = db.session.execute(query).first()
    if row is None or (row.ApiKey.expires_at and row.ApiKey.expires_at < utcnow()):
        return None
    key, user = row.ApiKey, row.User
    _check_active(user)
    if key.last_used is None or utcnow() - key.last_used > TOUCH_EVERY:
        _touch(key.id)
    return user


def _touch(key_id: str) -> None:
    """Record the key's use, at most once a minute so reads stay cheap. Bookkeeping a GET can do without: on
    SQLite it is skipped while another connection writes (a later request records it), so a read never waits
    for the write lock or fails for it. Revocation does not depend on it: every request reads is_active."""
    now = utcnow()
    write_if_free(lambda: db.session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used=now)))


def issue_token(user: User, secret: str, minutes: int) -> str:
    now = datetime.now(UTC)
    claims = {"sub": user.username, "uid": user.id, "iat": now, "exp": now + timedelta(minutes=minutes)}
    return jwt.encode(claims, secret, algorithm="HS256")


def user_for_token(token: str, secret: str) -> User | None:
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"])
    except jwt.PyJWTError:
        return None
    user = db.session.get(User, claims.get("uid", ""))
    if user is None or user.username != claims.get("sub"):
        return None
    _check_active(user)
    return user


def login(username: str, password: str, secret: str, minutes: int) -> tuple[User, str]:
    """Check the password and return (user, JWT); Unauthorized on any mismatch."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.password_hash or not check_password_hash(user.password_hash, password):
        raise errors.Unauthorized("Incorrect username or password")
    _check_active(user)
    user.last_login = utcnow()
    db.session.commit()
    return user, issue_token(user, secret, minutes)


def set_password(user: User, password: str) -> None:
    user.password_hash = _hash_password(password)
    db.session.commit()


def _check_active(user: User | None) -> None:
    if user is not None and not user.is_active:
        raise errors.Forbidden("Inactive user")
