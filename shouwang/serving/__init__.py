"""Serving the master household table over HTTP (issue 7): `create_app(engine)` and the tokens."""
