package queue

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io"
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
func (s *countingStmt) Query([]driver.Value) (driver.Rows, error) { return emptyRows{}, nil }

type emptyRows struct{}

func (emptyRows) Columns() []string         { return []string{"x"} }
func (emptyRows) Close() error              { return nil }
func (emptyRows) Next([]driver.Value) error { return io.EOF }

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

// A cached statement whose rows are still open is not handed out again: SQLite can not
// run one statement twice at once, so the second use gets a statement of its own.
func TestStmtCacheBusy(t *testing.T) {
	t.Parallel()
	d := &countingDriver{prepared: map[string]int{}, closed: map[string]int{}}
	conn, err := stmtCacheConnector{drv: d}.Connect(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	c := conn.(*stmtCacheConn)
	const q = "SELECT x FROM t"
	first, err := c.PrepareContext(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := first.(driver.StmtQueryContext).QueryContext(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.PrepareContext(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	if _, shared := second.(cachedStmt); shared || d.prepared[q] != 2 {
		t.Errorf("while its rows are open the statement was lent again (prepared %d times)", d.prepared[q])
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	third, err := c.PrepareContext(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	if _, shared := third.(cachedStmt); !shared || d.prepared[q] != 2 {
		t.Errorf("after its rows closed the cached statement was not lent again (prepared %d times)", d.prepared[q])
	}
}
