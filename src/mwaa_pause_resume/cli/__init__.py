"""Command-line interface (Typer + Rich). Each module holds one command group."""
