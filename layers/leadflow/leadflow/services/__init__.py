"""Application services: one per pipeline step or API action, combining domain decisions with the ports."""
