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
	return &stmtCacheConn{Conn: conn, prep: prep, begin: begin, stmts: map[string]driver.Stmt{}}, nil
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
	stmts map[string]driver.Stmt
}

func (c *stmtCacheConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *stmtCacheConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if s, ok := c.stmts[query]; ok {
		return cachedStmt{s}, nil
	}
	s, err := c.prep.PrepareContext(ctx, query)
	if err != nil || len(c.stmts) >= maxCachedStmts {
		return s, err
	}
	c.stmts[query] = s
	return cachedStmt{s}, nil
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
	for _, s := range c.stmts {
		errs = append(errs, s.Close())
	}
	return errors.Join(append(errs, c.Conn.Close())...)
}

// cachedStmt is a cached statement lent to database/sql, whose Close must not close it.
type cachedStmt struct{ s driver.Stmt }

func (cachedStmt) Close() error    { return nil }
func (k cachedStmt) NumInput() int { return k.s.NumInput() }

func (k cachedStmt) Exec(args []driver.Value) (driver.Result, error) {
	return k.s.Exec(args) //nolint:staticcheck // the driver.Stmt interface requires it
}

func (k cachedStmt) Query(args []driver.Value) (driver.Rows, error) {
	return k.s.Query(args) //nolint:staticcheck // the driver.Stmt interface requires it
}

func (k cachedStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	if s, ok := k.s.(driver.StmtExecContext); ok {
		return s.ExecContext(ctx, args)
	}
	return k.Exec(values(args))
}

func (k cachedStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	if s, ok := k.s.(driver.StmtQueryContext); ok {
		return s.QueryContext(ctx, args)
	}
	return k.Query(values(args))
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
