"""The web side of policywatch (FastAPI + Jinja2, server-rendered, usable without JavaScript)."""
