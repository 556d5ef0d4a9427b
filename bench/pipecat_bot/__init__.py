"""A pipecat 1.14 bot for the side-by-side benchmark. Imports pipecat: run it only with the
bench-only virtualenv (`bench/venv.py`), never with Karla's."""
