"""The command line `kim-docs`: one module per command group (see `main`)."""
from .main import main

__all__ = ["main"]
