package queue

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"testing"
)

// countingDriver records what the cache asks of the driver underneath.
type countingDriver struct{ prepared, closed map[string]int }

func (d *countingDriver) Open(string) (driver.Conn, error) { return &countingConn{d: d}, nil }

type countingConn struct{ d *countingDriver }

func (c *countingConn) Prepare(q string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), q)
}

func (c *countingConn) PrepareContext(_ context.Context, q string) (driver.Stmt, error) {
	c.d.prepared[q]++
	return &countingStmt{d: c.d, q: q}, nil
}

func (c *countingConn) BeginTx(context.Context, driver.TxOptions) (driver.Tx, error) {
	return nil, fmt.Errorf("no transactions here")
}
func (c *countingConn) Begin() (driver.Tx, error) { return nil, fmt.Errorf("no transactions here") }
func (c *countingConn) Close() error              { return nil }

type countingStmt struct {
	d *countingDriver
	q string
}

func (s *countingStmt) Close() error  { s.d.closed[s.q]++; return nil }
func (s *countingStmt) NumInput() int { return -1 }
func (s *countingStmt) Exec([]driver.Value) (driver.Result, error) {
	return driver.RowsAffected(1), nil
}
func (s *countingStmt) Query([]driver.Value) (driver.Rows, error) { return nil, fmt.Errorf("no rows") }

func TestStmtCache(t *testing.T) {
	t.Parallel()
	d := &countingDriver{prepared: map[string]int{}, closed: map[string]int{}}
	db := sql.OpenDB(stmtCacheConnector{drv: d})
	db.SetMaxOpenConns(1)
	for range 3 {
		if _, err := db.ExecContext(t.Context(), "UPDATE t SET x = ?", 1); err != nil {
			t.Fatal(err)
		}
	}
	if d.prepared["UPDATE t SET x = ?"] != 1 || d.closed["UPDATE t SET x = ?"] != 0 {
		t.Errorf("three runs of one query: prepared %d times, closed %d; want once, and kept open", d.prepared["UPDATE t SET x = ?"], d.closed["UPDATE t SET x = ?"])
	}
	// Past the bound, statements are prepared per use and closed after it.
	for i := range maxCachedStmts + 1 {
		if _, err := db.ExecContext(t.Context(), fmt.Sprintf("UPDATE t SET x = %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	last := fmt.Sprintf("UPDATE t SET x = %d", maxCachedStmts)
	if _, err := db.ExecContext(t.Context(), last); err != nil {
		t.Fatal(err)
	}
	if d.prepared[last] != 2 || d.closed[last] != 2 {
		t.Errorf("a query past the bound: prepared %d, closed %d; want 2 and 2", d.prepared[last], d.closed[last])
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if d.closed["UPDATE t SET x = ?"] != 1 {
		t.Errorf("the cached statement was closed %d times when the connection closed, want 1", d.closed["UPDATE t SET x = ?"])
	}
}
