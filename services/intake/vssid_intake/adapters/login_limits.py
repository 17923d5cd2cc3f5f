"""Login limits (OWASP Authentication Cheat Sheet), each a sliding log shared by all replicas.

Every password check is first reserved, atomically, in three limits; only then is argon2 run:

- per client address, across accounts (`login_client_*`): one address cannot try many accounts;
- per (login id, client address), the hard lock (`login_max_failures` in `login_lockout_*`):
  one address gets a handful of guesses at one account;
- per login id, from all addresses (`login_account_*`): a short, softer limit bounding a
  distributed guesser, which is all that can lock the owner out, and only for a few minutes.

A reservation is one conditional update (`RateLimiter.allow`), so however many guesses arrive
at once, at most the limit is evaluated. A wrong password keeps its reservations (it was a
failure); a reservation refused further down, or a check that never ran, is refunded; a right
password clears the (id, address) counter and refunds its other two reservations. Keys are
keyed hashes of the login id and the address; nothing here tells whether an account exists.
"""

from __future__ import annotations

from datetime import timedelta

from pymongo.asynchronous.collection import AsyncCollection

from vssid_intake.adapters.ratelimit import RateLimiter
from vssid_intake.domain.errors import TooManyLoginsError
from vssid_intake.domain.login_policy import Attempt, LoginPolicy
from vssid_shared.clock import Clock
from vssid_shared.crypto import KeyedHasher
from vssid_shared.mongo import Doc

CLIENT_MESSAGE = "Có quá nhiều lần đăng nhập sai từ địa chỉ của bạn. Vui lòng thử lại sau ít phút."


class LoginLimits:
    def __init__(
        self, collection: AsyncCollection[Doc], hasher: KeyedHasher, clock: Clock, p: LoginPolicy
    ) -> None:
        def limiter(name: str, limit: int, window: timedelta) -> RateLimiter:
            return RateLimiter(collection, hasher, clock, limit, window, name=name)

        self.client = limiter("login-client", p.client_max_failures, p.client_window)
        self.pair = limiter("login-pair", p.max_failures, p.lockout)
        self.account = limiter("login-account", p.account_max_failures, p.account_window)

    async def ensure_indexes(self) -> None:
        await self.client.ensure_indexes()

    async def reserve(self, login_id: str, client: str) -> Attempt:
        """Reserves one password check, or raises TooManyLoginsError (429, `Retry-After`)."""
        attempt = Attempt(login_id, client)
        if not await self.client.allow(client):
            wait = await self.client.retry_after(client)
            raise TooManyLoginsError(wait, CLIENT_MESSAGE)
        if not await self.pair.allow(attempt.pair):
            await self.client.refund(client)
            raise TooManyLoginsError(await self.pair.retry_after(attempt.pair))
        if not await self.account.allow(login_id):
            await self.pair.refund(attempt.pair)
            await self.client.refund(client)
            raise TooManyLoginsError(await self.account.retry_after(login_id))
        return attempt

    async def refund(self, attempt: Attempt) -> None:
        """The check never ran (the hashing line was full): nothing was guessed."""
        await self.account.refund(attempt.login_id)
        await self.pair.refund(attempt.pair)
        await self.client.refund(attempt.client)

    async def succeeded(self, attempt: Attempt) -> None:
        """The right password: the address's failures at this id are forgiven (OWASP: reset on
        success); the id's failures from elsewhere stay, or the owner logging in would hand a
        distributed guesser a fresh budget."""
        await self.pair.clear(attempt.pair)
        await self.account.refund(attempt.login_id)
        await self.client.refund(attempt.client)
