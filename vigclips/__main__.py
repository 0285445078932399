from vigclips.cli import run

run()
