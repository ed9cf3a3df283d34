package query

import "database/sql"

func sqlOpenWritable(path string) (*sql.DB, error) {
	return sql.Open("sqlite", "file:"+path+"?_time_format=sqlite")
}
