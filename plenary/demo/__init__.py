"""The demo: its content as data files (``data/``), loaded by ``manage.py seed_demo``."""
