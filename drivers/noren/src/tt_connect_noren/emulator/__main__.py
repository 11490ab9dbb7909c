from tt_connect_noren.emulator.app import main

main()
