"""HTTP routes as Powertools routers, shared by the functions that serve them and by the OpenAPI document."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import APIGatewayRouter


def all_routers() -> tuple[APIGatewayRouter, ...]:
    """Every router of the public API, in the order the OpenAPI document lists them (imported here, not at module
    import, so a function loads only the routes it serves)."""
    from leadflow.api import (
        config_routes,
        consent_routes,
        curation_routes,
        erasure_routes,
        intake_routes,
        lifecycle_routes,
        nurture_routes,
        read_routes,
        routing_routes,
        sla_routes,
        unsubscribe_routes,
        webhook_routes,
    )

    return (
        intake_routes.router,
        read_routes.router,
        curation_routes.router,
        lifecycle_routes.router,
        routing_routes.router,
        sla_routes.router,
        consent_routes.router,
        erasure_routes.router,
        nurture_routes.router,
        unsubscribe_routes.router,
        webhook_routes.router,
        config_routes.router,
    )
