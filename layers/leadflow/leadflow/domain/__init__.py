"""leadflow's decisions as pure functions: no I/O, no AWS, no clock of their own — callers pass in what they know."""
