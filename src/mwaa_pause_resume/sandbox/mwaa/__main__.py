"""``python -m mwaa_pause_resume.sandbox.mwaa [--port N]``: run the emulator standalone."""

from mwaa_pause_resume.sandbox.mwaa.server import main

main()
