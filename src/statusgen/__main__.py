from statusgen.cli import main

main(prog_name="statusgen")
