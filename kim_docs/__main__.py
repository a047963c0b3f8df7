"""`python -m kim_docs` runs the command line."""
from .cli import main

main(prog_name="kim-docs")
