module berth.dev/e2e/pause

go 1.24
