"""Pure helpers with no Django models."""
