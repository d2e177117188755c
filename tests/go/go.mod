module pdinfer/tests/go

go 1.17

require pdinfer/paddle v0.0.0

replace pdinfer/paddle => ../../go
