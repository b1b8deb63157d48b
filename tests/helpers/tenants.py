"""Accounts as the API sees them: an account id and the key that acts for it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Tenant:
    account_id: str
    api_key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Api-Key": self.api_key}


def make_tenant(name: str = "Acme", media_limit: int | None = None) -> Tenant:
    from chalicelib import accounts

    account, issued = accounts.create_account(name, media_limit)
    return Tenant(account.account_id, issued.api_key)
