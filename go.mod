module smsfail

go 1.26
