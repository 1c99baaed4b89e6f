"""HTTP routes as Powertools routers, shared by the functions that serve them and by the OpenAPI document."""
