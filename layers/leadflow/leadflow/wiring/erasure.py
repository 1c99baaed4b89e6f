"""The wiring of a person's erasure and export, and of the suppression list the dedupe step and mail check: the
suppression salt (from the local setting or SSM), checked lazily so that nothing is suppressed before it exists."""

from __future__ import annotations

import time
from functools import cache
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from leadflow import wiring
from leadflow.clock import current_clock
from leadflow.settings import settings

if TYPE_CHECKING:
    from leadflow.adapters.dynamodb_erasure import DynamoAuditLog, DynamoPersonalDataStore, DynamoSuppressionList
    from leadflow.services.erasure import ErasureDeps


@cache
def personal_data_store() -> DynamoPersonalDataStore:
    from leadflow.adapters.dynamodb_erasure import DynamoPersonalDataStore

    config = settings()
    tables = (config.leads_table, config.outbox_table, config.idempotency_table)
    return DynamoPersonalDataStore(*(wiring.table(name) for name in tables))


@cache
def suppression_list() -> DynamoSuppressionList:
    from leadflow.adapters.dynamodb_erasure import DynamoSuppressionList

    return DynamoSuppressionList(wiring.table(settings().leads_table))


@cache
def audit_log() -> DynamoAuditLog:
    from leadflow.adapters.dynamodb_erasure import DynamoAuditLog

    return DynamoAuditLog(wiring.table(settings().leads_table))


@cache
def suppression_salt() -> str:
    """The salt of the suppression list's hashes: LEADFLOW_SUPPRESSION_SALT locally, else the SecureString parameter
    SUPPRESSION_SALT_PARAMETER names. It never changes: a new salt would make every earlier entry unrecognisable."""
    from leadflow.services.erasure import ErasureNotConfigured

    config = settings()
    if config.suppression_salt is not None:
        return config.suppression_salt.get_secret_value()
    if not config.suppression_salt_parameter:
        raise ErasureNotConfigured(
            "no suppression salt: set SUPPRESSION_SALT_PARAMETER (LEADFLOW_SUPPRESSION_SALT locally)"
        )
    from aws_lambda_powertools.utilities.parameters import get_parameter
    from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

    try:
        return str(get_parameter(config.suppression_salt_parameter, decrypt=True))
    except GetParameterError as exc:
        cause = exc.__context__
        if isinstance(cause, ClientError) and cause.response["Error"]["Code"] == "ParameterNotFound":
            raise ErasureNotConfigured(
                f"the suppression salt parameter {config.suppression_salt_parameter} does not exist; create it once "
                "(a SecureString of random text) before the first erasure"
            ) from exc
        raise


class SuppressionCheck:
    """Whether a canonical email's person was erased, for the dedupe step. Without a salt (none configured, or its
    parameter not created yet) nothing can have been erased, so nothing is suppressed; a missing parameter is
    asked again after SALT_MAX_AGE, as Powertools caches a found one."""

    SALT_MAX_AGE = 300

    def __init__(self) -> None:
        self._missing_until = 0.0

    def __call__(self, email_canonical: str) -> bool:
        from leadflow.services.erasure import is_suppressed

        salt = self.salt()
        return salt is not None and is_suppressed(email_canonical, suppression_list(), salt)

    def salt(self) -> str | None:
        config = settings()
        if config.suppression_salt is not None:
            return config.suppression_salt.get_secret_value()
        if not config.suppression_salt_parameter or self._missing_until > time.monotonic():
            return None
        from aws_lambda_powertools.utilities.parameters import get_parameter
        from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

        try:
            return str(get_parameter(config.suppression_salt_parameter, decrypt=True, max_age=self.SALT_MAX_AGE))
        except GetParameterError as exc:
            cause = exc.__context__
            if not (isinstance(cause, ClientError) and cause.response["Error"]["Code"] == "ParameterNotFound"):
                raise
        self._missing_until = time.monotonic() + self.SALT_MAX_AGE
        return None


@cache
def suppression_check() -> SuppressionCheck:
    return SuppressionCheck()


def export_deps() -> ErasureDeps:
    """A person's export (GET /v1/leads/{id}/export) reads only: it works before the salt parameter exists."""
    return erasure_deps(with_salt=False)


def erasure_deps(*, with_salt: bool = True) -> ErasureDeps:
    """A person's erasure (DELETE /v1/leads/{id}); `with_salt=False` for reads only."""
    from leadflow.services.erasure import ErasureDeps

    return ErasureDeps(
        store=wiring.lead_store(),
        index=wiring.match_index(),
        outbox=wiring.outbox(),
        config=wiring.config_store(),
        personal=personal_data_store(),
        suppression=suppression_list(),
        audit=audit_log(),
        bus=wiring.event_bus(),
        clock=current_clock(),
        salt=suppression_salt() if with_salt else "",
    )


def _clear() -> None:
    for cached in (personal_data_store, suppression_list, audit_log, suppression_salt, suppression_check):
        cached.cache_clear()


wiring.on_reset(_clear)
