"""Database: declarative base, engines, sessions and migrations."""
