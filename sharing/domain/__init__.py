"""Pure domain rules: never imports flask or sqlalchemy."""
