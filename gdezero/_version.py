"""The one place the version is written; pyproject reads it (setuptools dynamic attr)."""
__version__ = "0.1.0"
