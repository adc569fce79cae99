"""Pure services: no Flask, no SQLAlchemy, no models. Inputs and outputs are plain data."""
