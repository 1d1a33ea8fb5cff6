import TinycCLI
TinycCommand.main()
