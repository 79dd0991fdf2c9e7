from mwaa_pause_resume.cli.app import main

main()
