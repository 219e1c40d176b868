module github.com/nlcron/nlcron/bench

go 1.26.8

replace github.com/nlcron/nlcron => ../

require (
	github.com/adhocore/gronx v1.20.4
	github.com/hashicorp/cronexpr v1.1.3
	github.com/nlcron/nlcron v0.0.0
	github.com/reugn/go-quartz v0.15.2
	github.com/robfig/cron/v3 v3.0.1
)

require github.com/stretchr/testify v1.12.1 // indirect
