"""``python -m anndl``: the same command as ``anndl``."""

from anndl.cli import main

if __name__ == "__main__":
    main(prog_name="anndl")
