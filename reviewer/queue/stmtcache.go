package queue

import (
	"context"
	"database/sql/driver"
	"errors"
)

// maxCachedStmts bounds a connection's statement cache. River's queries and the queue's
// own are a few dozen fixed texts; anything past the bound is prepared and closed per use.
const maxCachedStmts = 256

// stmtCacheConnector opens SQLite connections that keep their prepared statements. The
// SQLite driver otherwise parses every query's text again on every call, which was a
// fifth of the service's CPU at full intake and lengthened each enqueue's hold on the one
// writer connection.
type stmtCacheConnector struct {
	drv driver.Driver
	dsn string
}

func (c stmtCacheConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	prep, ok1 := conn.(driver.ConnPrepareContext)
	begin, ok2 := conn.(driver.ConnBeginTx)
	if !ok1 || !ok2 {
		_ = conn.Close() // unusable either way
		return nil, errors.New("the SQLite driver's connections lack PrepareContext or BeginTx")
	}
	return &stmtCacheConn{Conn: conn, prep: prep, begin: begin, stmts: map[string]*cacheEntry{}}, nil
}

func (c stmtCacheConnector) Driver() driver.Driver { return c.drv }

// stmtCacheConn is one connection and its statements. database/sql never uses a
// connection from two goroutines at once, so the map needs no lock. It implements neither
// ExecerContext nor QueryerContext on purpose: database/sql then prepares every query,
// which is what reaches the cache.
type stmtCacheConn struct {
	driver.Conn
	prep  driver.ConnPrepareContext
	begin driver.ConnBeginTx
	stmts map[string]*cacheEntry
}

// cacheEntry is a cached statement; busy while rows it returned are open, when SQLite
// can not run it again: a second use then gets a statement of its own.
type cacheEntry struct {
	stmt driver.Stmt
	busy bool
}

func (c *stmtCacheConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *stmtCacheConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	e, ok := c.stmts[query]
	if ok && !e.busy {
		return cachedStmt{e}, nil
	}
	s, err := c.prep.PrepareContext(ctx, query)
	if err != nil || ok || len(c.stmts) >= maxCachedStmts {
		return s, err
	}
	e = &cacheEntry{stmt: s}
	c.stmts[query] = e
	return cachedStmt{e}, nil
}

func (c *stmtCacheConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.begin.BeginTx(ctx, opts)
}

func (c *stmtCacheConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *stmtCacheConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *stmtCacheConn) CheckNamedValue(nv *driver.NamedValue) error {
	if n, ok := c.Conn.(driver.NamedValueChecker); ok {
		return n.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

func (c *stmtCacheConn) Close() error {
	var errs []error
	for _, e := range c.stmts {
		errs = append(errs, e.stmt.Close())
	}
	return errors.Join(append(errs, c.Conn.Close())...)
}

// cachedStmt is a cached statement lent to database/sql, whose Close must not close it.
type cachedStmt struct{ e *cacheEntry }

func (cachedStmt) Close() error    { return nil }
func (k cachedStmt) NumInput() int { return k.e.stmt.NumInput() }

func (k cachedStmt) Exec(args []driver.Value) (driver.Result, error) {
	return k.e.stmt.Exec(args) //nolint:staticcheck // the driver.Stmt interface requires it
}

func (k cachedStmt) Query(args []driver.Value) (driver.Rows, error) {
	return k.lend(k.e.stmt.Query(args)) //nolint:staticcheck // the driver.Stmt interface requires it
}

func (k cachedStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	if s, ok := k.e.stmt.(driver.StmtExecContext); ok {
		return s.ExecContext(ctx, args)
	}
	return k.Exec(values(args))
}

func (k cachedStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	if s, ok := k.e.stmt.(driver.StmtQueryContext); ok {
		return k.lend(s.QueryContext(ctx, args))
	}
	return k.Query(values(args))
}

// lend marks the statement busy until the rows it returned are closed.
func (k cachedStmt) lend(rows driver.Rows, err error) (driver.Rows, error) {
	if err != nil {
		return nil, err
	}
	k.e.busy = true
	return &lentRows{Rows: rows, e: k.e}, nil
}

// lentRows gives its statement back when closed.
type lentRows struct {
	driver.Rows
	e *cacheEntry
}

func (r *lentRows) Close() error {
	r.e.busy = false
	return r.Rows.Close()
}

// values drops the names of positional arguments, for a statement without the context
// methods.
func values(args []driver.NamedValue) []driver.Value {
	v := make([]driver.Value, len(args))
	for i, a := range args {
		v[i] = a.Value
	}
	return v
}
