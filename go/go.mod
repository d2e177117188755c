module pdinfer/paddle

go 1.17
