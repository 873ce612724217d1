"""``python -m docgen``."""
from .cli import main

main(prog_name="docgen")
