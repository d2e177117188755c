// Manual runs: PKG_CONFIG_PATH=$(python -m pdinfer --pkg-config-path) PDINFER_TEST_MODEL=...
// PDINFER_TEST_PARAMS=... PDINFER_TEST_IO=... go test -v .  (tests/python/test_native_apis.py
// runs this test with a generated go.mod pointing at the installed copy of the package).
module pdinfer/tests/go

go 1.17

require pdinfer/paddle v0.0.0

replace pdinfer/paddle => ../../go
