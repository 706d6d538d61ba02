package builtin

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // the pure-Go SQLite driver ("sqlite")

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

const (
	dbName       = "database_connector"
	dbMaxRowsDef = 1000
	dbMaxRowsCap = 100000
)

func databaseTool() *tool.Tool {
	return &tool.Tool{
		Name: dbName, Category: "communication", Level: tool.Privileged, Tags: []string{"database", "sql", "network", "files"},
		Aliases:     []string{"database-connector"},
		Description: "Run SQL on SQLite (a file inside the allowed folders, or :memory:) or PostgreSQL: query, execute, schema. Parameters are bound, never interpolated; writes need allow_write.",
		Schema: obj(value.Map{
			"operation":   enum("query (default), execute or schema", "query", "execute", "schema"),
			"database":    enum("sqlite (default), postgresql or mysql", "sqlite", "postgresql", "mysql"),
			"path":        str("SQLite database file (inside the allowed folders) or :memory:"),
			"dsn":         str("PostgreSQL connection string (postgres://user:pass@host:port/db?sslmode=...)"),
			"query":       value.Map{"type": "string", "description": "one SQL statement; placeholders ? or $1 (SQLite), $1 (PostgreSQL)", "maxLength": int64(1 << 20)},
			"params":      value.Map{"type": "array", "description": "values bound to the placeholders", "maxItems": int64(10000)},
			"allow_write": boolean("allow execute and statements other than SELECT (default false)"),
			"max_rows":    fIntSchema("return at most this many rows (default 1000, at most 100000)", 1, dbMaxRowsCap),
			"table":       str("schema: only this table"),
			"timeout_ms":  fIntSchema("give up after this long (default 30000)", 1, 600000),
		}),
		Fn: dbRun,
	}
}

// dbQuerier is what *sql.Conn and *sql.Tx share.
type dbQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func dbRun(ctx context.Context, c *tool.Call) (value.Value, error) {
	op := c.Str("operation", "query")
	kind := c.Str("database", "sqlite")
	allowWrite := fBool(c, "allow_write", false)
	maxRows := fInt(c, "max_rows", dbMaxRowsDef)
	if maxRows < 1 || maxRows > dbMaxRowsCap {
		maxRows = dbMaxRowsCap
	}
	ctx, cancel := context.WithTimeout(ctx, time.Duration(fInt(c, "timeout_ms", 30000))*time.Millisecond)
	defer cancel()

	query := c.Str("query", "")
	var args []any
	if op != "schema" {
		if strings.TrimSpace(query) == "" {
			return nil, fail(dbName, "give a query")
		}
		info, err := dbScan(query, kind == "postgresql")
		if err != nil {
			return nil, err
		}
		if info.multi {
			return nil, fail(dbName, "one statement per call: multiple statements are refused")
		}
		write := op == "execute" || info.write
		if write && !allowWrite {
			return nil, errs.New(errs.KindDenied, "%s: %s statements change the database; set allow_write to run them", dbName, strings.ToUpper(info.lead))
		}
		if kind == "sqlite" && (info.lead == "attach" || info.lead == "detach" || info.lead == "vacuum" && info.words["into"]) {
			return nil, errs.New(errs.KindDenied, "%s: %s would reach files outside the policy", dbName, strings.ToUpper(info.lead))
		}
		if args, err = dbArgs(c.Params["params"]); err != nil {
			return nil, err
		}
	}

	var db *sql.DB
	switch kind {
	case "sqlite":
		path := c.Str("path", "")
		if path == "" {
			return nil, errs.New(errs.KindInvalidArgument, "%s: sqlite needs path (a file or :memory:)", dbName)
		}
		dsn := ":memory:"
		if path != ":memory:" {
			real, err := c.Policy.CheckPath(path)
			if err != nil {
				return nil, err
			}
			if strings.ContainsAny(real, "?#") || strings.HasPrefix(path, "file:") {
				return nil, errs.New(errs.KindInvalidArgument, "%s: the database path may not contain '?' or '#' or be a file: URI", dbName)
			}
			if _, err := os.Stat(real); err != nil && !allowWrite {
				return nil, fail(dbName, "database %s does not exist (creating one needs allow_write)", path)
			}
			dsn = real
		}
		var err error
		if db, err = sql.Open("sqlite", dsn); err != nil {
			return nil, fail(dbName, "open %s: %v", path, err)
		}
	case "postgresql":
		var err error
		if db, err = dbOpenPG(c.Policy, c.Str("dsn", "")); err != nil {
			return nil, err
		}
	case "mysql":
		return nil, fail(dbName, "mysql is not built in (no MySQL driver in this build); use sqlite or postgresql")
	default:
		return nil, errs.New(errs.KindInvalidArgument, "%s: unknown database %q", dbName, kind)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)

	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, dbErr(ctx, "connect", err)
	}
	defer conn.Close()
	var q dbQuerier = conn
	readOnly := !allowWrite || op == "schema"
	if kind == "sqlite" {
		pragma := "PRAGMA busy_timeout = 5000"
		if _, err := conn.ExecContext(ctx, pragma); err != nil {
			return nil, dbErr(ctx, "connect", err)
		}
		if readOnly {
			if _, err := conn.ExecContext(ctx, "PRAGMA query_only = ON"); err != nil {
				return nil, dbErr(ctx, "connect", err)
			}
		}
	} else if readOnly {
		tx, err := conn.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			return nil, dbErr(ctx, "begin", err)
		}
		defer tx.Rollback() //nolint:errcheck // read-only, nothing to keep
		q = tx
	}

	switch op {
	case "schema":
		return dbSchema(ctx, q, kind, c.Str("table", ""))
	case "execute":
		res, err := q.ExecContext(ctx, query, args...)
		if err != nil {
			return nil, dbErr(ctx, "execute", err)
		}
		out := value.Map{}
		if n, err := res.RowsAffected(); err == nil {
			out["rows_affected"] = n
		}
		if kind == "sqlite" {
			if id, err := res.LastInsertId(); err == nil {
				out["last_insert_id"] = id
			}
		}
		return out, nil
	}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, dbErr(ctx, "query", err)
	}
	return dbCollect(ctx, rows, maxRows)
}

// dbErr turns a driver error into a tool error (a timeout stays a timeout).
func dbErr(ctx context.Context, what string, err error) error {
	if ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return errs.New(errs.KindTimeout, "%s: %s timed out", dbName, what)
	}
	var e *errs.Error
	if errors.As(err, &e) {
		return e
	}
	return fail(dbName, "%s: %v", what, err)
}

// dbCollect reads up to max rows as objects keyed by column name.
func dbCollect(ctx context.Context, rows *sql.Rows, max int64) (value.Value, error) {
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, dbErr(ctx, "query", err)
	}
	types, _ := rows.ColumnTypes()
	colList := make(value.List, len(cols))
	for i, n := range cols {
		colList[i] = n
	}
	out := value.List{}
	truncated := false
	for rows.Next() {
		if int64(len(out)) >= max {
			truncated = true
			break
		}
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, dbErr(ctx, "read row", err)
		}
		row := value.Map{}
		for i, n := range cols {
			typ := ""
			if i < len(types) && types[i] != nil {
				typ = strings.ToUpper(types[i].DatabaseTypeName())
			}
			row[n] = dbValue(vals[i], typ)
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		return nil, dbErr(ctx, "query", err)
	}
	return value.Map{"columns": colList, "rows": out, "row_count": int64(len(out)), "truncated": truncated}, nil
}

// dbValue converts a scanned value to JSON: bytes as base64, times as
// RFC 3339, JSON columns parsed.
func dbValue(v any, typ string) value.Value {
	switch x := v.(type) {
	case nil, bool, int64, float64, string:
		if s, ok := x.(string); ok && (typ == "JSON" || typ == "JSONB") {
			var j any
			if json.Unmarshal([]byte(s), &j) == nil {
				if n, err := value.Normalize(j); err == nil {
					return n
				}
			}
		}
		return x
	case []byte:
		if typ == "JSON" || typ == "JSONB" {
			var j any
			if json.Unmarshal(x, &j) == nil {
				if n, err := value.Normalize(j); err == nil {
					return n
				}
			}
		}
		return base64.StdEncoding.EncodeToString(x)
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case int32:
		return int64(x)
	case int:
		return int64(x)
	case float32:
		return float64(x)
	}
	if n, err := value.Normalize(v); err == nil {
		return n
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var j any
	if json.Unmarshal(b, &j) == nil {
		if n, err := value.Normalize(j); err == nil {
			return n
		}
	}
	return string(b)
}

// dbArgs turns the params list into driver arguments; lists and maps go
// as JSON text.
func dbArgs(p value.Value) ([]any, error) {
	if p == nil {
		return nil, nil
	}
	l, ok := p.(value.List)
	if !ok {
		return nil, errs.New(errs.KindInvalidArgument, "%s: params must be a list", dbName)
	}
	out := make([]any, len(l))
	for i, v := range l {
		switch x := v.(type) {
		case nil, bool, int64, float64, string, []byte:
			out[i] = x
		case int:
			out[i] = int64(x)
		default:
			b, err := json.Marshal(x)
			if err != nil {
				return nil, errs.New(errs.KindInvalidArgument, "%s: params[%d]: %v", dbName, i, err)
			}
			out[i] = string(b)
		}
	}
	return out, nil
}

// dbOpenPG opens a PostgreSQL pool whose every host is resolved and
// checked by the policy before a connection is made; a dial goes only to
// an address that passed the check.
func dbOpenPG(p *tool.Policy, dsn string) (*sql.DB, error) {
	if dsn == "" {
		return nil, errs.New(errs.KindInvalidArgument, "%s: postgresql needs dsn", dbName)
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, errs.New(errs.KindInvalidArgument, "%s: bad dsn (%s)", dbName, dbRedact(err.Error(), cfg))
	}
	hosts := []string{cfg.Host}
	for _, f := range cfg.Fallbacks {
		hosts = append(hosts, f.Host)
	}
	for _, h := range hosts {
		if h == "" || strings.HasPrefix(h, "/") || strings.HasPrefix(h, "@") {
			return nil, errs.New(errs.KindDenied, "%s: connections through a local socket (%q) are not allowed; give a host", dbName, h)
		}
	}
	var mu sync.Mutex
	checked := map[string]bool{}
	cfg.LookupFunc = func(ctx context.Context, host string) ([]string, error) {
		var ips []net.IP
		if ip := net.ParseIP(host); ip != nil {
			ips = []net.IP{ip}
		} else {
			addrs, err := net.DefaultResolver.LookupIPAddr(ctx, host)
			if err != nil {
				return nil, errs.Wrap(errs.KindTool, err, "resolve %s", host)
			}
			for _, a := range addrs {
				ips = append(ips, a.IP)
			}
		}
		out := make([]string, 0, len(ips))
		for _, ip := range ips {
			if err := p.CheckIP(host, ip); err != nil {
				return nil, err
			}
			out = append(out, ip.String())
		}
		mu.Lock()
		for _, s := range out {
			checked[s] = true
		}
		mu.Unlock()
		return out, nil
	}
	// Check now, so a denied host fails before any connection attempt.
	for _, h := range hosts {
		if _, err := cfg.LookupFunc(context.Background(), h); err != nil {
			return nil, err
		}
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second}
	cfg.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil || !strings.HasPrefix(network, "tcp") {
			return nil, errs.New(errs.KindDenied, "%s: dial %s %s is not allowed", dbName, network, addr)
		}
		ip := net.ParseIP(host)
		mu.Lock()
		ok := ip != nil && checked[ip.String()]
		mu.Unlock()
		if !ok {
			return nil, errs.New(errs.KindDenied, "%s: address %s was not checked by the policy", dbName, addr)
		}
		return dialer.DialContext(ctx, network, addr)
	}
	return stdlib.OpenDB(*cfg), nil
}

// dbRedact keeps a password out of an error message.
func dbRedact(msg string, cfg *pgx.ConnConfig) string {
	if cfg != nil && cfg.Password != "" {
		msg = strings.ReplaceAll(msg, cfg.Password, "xxxxx")
	}
	return msg
}

// dbSchema lists tables and views with their columns.
func dbSchema(ctx context.Context, q dbQuerier, kind, only string) (value.Value, error) {
	type col struct {
		schema, table, ttype, name, ctype string
		nullable, pk                      bool
		def                               any
	}
	var cols []col
	tables := value.List{}
	byName := map[string]value.Map{}
	add := func(schema, name, ttype string) value.Map {
		key := schema + "." + name
		if t, ok := byName[key]; ok {
			return t
		}
		t := value.Map{"name": name, "type": ttype, "columns": value.List{}}
		if schema != "" {
			t["schema"] = schema
		}
		byName[key] = t
		tables = append(tables, t)
		return t
	}
	if kind == "sqlite" {
		rows, err := q.QueryContext(ctx, `SELECT name, type FROM sqlite_master WHERE type IN ('table','view') AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND (? = '' OR name = ?) ORDER BY name`, only, only)
		if err != nil {
			return nil, dbErr(ctx, "schema", err)
		}
		var names [][2]string
		for rows.Next() {
			var n, t string
			if err := rows.Scan(&n, &t); err != nil {
				rows.Close()
				return nil, dbErr(ctx, "schema", err)
			}
			names = append(names, [2]string{n, t})
		}
		rows.Close()
		for _, nt := range names {
			add("", nt[0], nt[1])
			r, err := q.QueryContext(ctx, `SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?) ORDER BY cid`, nt[0])
			if err != nil {
				return nil, dbErr(ctx, "schema", err)
			}
			for r.Next() {
				var cl col
				var notnull, pk int64
				if err := r.Scan(&cl.name, &cl.ctype, &notnull, &cl.def, &pk); err != nil {
					r.Close()
					return nil, dbErr(ctx, "schema", err)
				}
				cl.table, cl.ttype, cl.nullable, cl.pk = nt[0], nt[1], notnull == 0, pk > 0
				cols = append(cols, cl)
			}
			r.Close()
		}
	} else {
		rows, err := q.QueryContext(ctx, `
SELECT c.table_schema, c.table_name, CASE t.table_type WHEN 'VIEW' THEN 'view' ELSE 'table' END,
       c.column_name, c.data_type, c.is_nullable = 'YES', c.column_default,
       EXISTS (SELECT 1 FROM information_schema.table_constraints tc
               JOIN information_schema.key_column_usage k
                 ON k.constraint_name = tc.constraint_name AND k.table_schema = tc.table_schema AND k.table_name = tc.table_name
               WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = c.table_schema
                 AND tc.table_name = c.table_name AND k.column_name = c.column_name)
FROM information_schema.columns c
JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
WHERE c.table_schema NOT IN ('pg_catalog', 'information_schema') AND ($1 = '' OR c.table_name = $1)
ORDER BY c.table_schema, c.table_name, c.ordinal_position`, only)
		if err != nil {
			return nil, dbErr(ctx, "schema", err)
		}
		defer rows.Close()
		for rows.Next() {
			var cl col
			var def sql.NullString
			if err := rows.Scan(&cl.schema, &cl.table, &cl.ttype, &cl.name, &cl.ctype, &cl.nullable, &def, &cl.pk); err != nil {
				return nil, dbErr(ctx, "schema", err)
			}
			if def.Valid {
				cl.def = def.String
			}
			cols = append(cols, cl)
		}
		if err := rows.Err(); err != nil {
			return nil, dbErr(ctx, "schema", err)
		}
	}
	for _, cl := range cols {
		t := add(cl.schema, cl.table, cl.ttype)
		t["columns"] = append(t["columns"].(value.List), value.Map{
			"name": cl.name, "type": cl.ctype, "nullable": cl.nullable, "primary_key": cl.pk, "default": dbValue(cl.def, ""),
		})
	}
	return value.Map{"tables": tables, "table_count": int64(len(tables))}, nil
}

// dbStmt is what dbScan learns about a query.
type dbStmt struct {
	lead  string          // the first keyword, lower case
	multi bool            // more than one statement
	write bool            // may change the database
	words map[string]bool // every bare word outside strings and comments, lower case
}

// Statements that only read; anything else needs allow_write.
var dbReadLeads = map[string]bool{"select": true, "values": true, "with": true, "table": true, "show": true}

// Words that make a reading statement a write (SELECT ... INTO, a WITH
// around an INSERT, ...).
var dbWriteWords = map[string]bool{"insert": true, "update": true, "delete": true, "merge": true, "into": true,
	"create": true, "drop": true, "alter": true, "truncate": true, "grant": true, "revoke": true, "copy": true,
	"attach": true, "detach": true, "vacuum": true, "pragma": true, "call": true, "do": true, "lock": true, "reindex": true}

// dbScan reads the query past comments, quoted strings and identifiers
// (SQL '...', "...", `...`, [...]; with pg also E'...' and $tag$...$tag$),
// finds its leading keyword and any statement separator.
func dbScan(q string, pg bool) (*dbStmt, error) {
	st := &dbStmt{words: map[string]bool{}}
	i, n := 0, len(q)
	ended := false // a ';' was seen
	for i < n {
		ch := q[i]
		switch {
		case ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v':
			i++
		case ch == '-' && i+1 < n && q[i+1] == '-':
			for i < n && q[i] != '\n' {
				i++
			}
		case ch == '/' && i+1 < n && q[i+1] == '*':
			depth := 0
			for i < n {
				if i+1 < n && q[i] == '/' && q[i+1] == '*' {
					depth++
					i += 2
				} else if i+1 < n && q[i] == '*' && q[i+1] == '/' {
					depth--
					i += 2
					if depth == 0 {
						break
					}
				} else {
					i++
				}
			}
			if depth != 0 {
				return nil, errs.New(errs.KindInvalidArgument, "%s: unterminated comment", dbName)
			}
		case ch == ';':
			ended = true
			i++
		default:
			if ended {
				st.multi = true
				return st, nil
			}
			switch {
			case ch == '\'' || ch == '"' || ch == '`':
				j, err := dbSkipQuoted(q, i, ch, pg && ch == '\'' && i > 0 && (q[i-1] == 'e' || q[i-1] == 'E'))
				if err != nil {
					return nil, err
				}
				i = j
			case ch == '[':
				j := strings.IndexByte(q[i:], ']')
				if j < 0 {
					return nil, errs.New(errs.KindInvalidArgument, "%s: unterminated [identifier]", dbName)
				}
				i += j + 1
			case pg && ch == '$' && i+1 < n && (q[i+1] == '$' || dbIdentStart(q[i+1])):
				j := i + 1
				for j < n && q[j] != '$' && dbIdentPart(q[j]) {
					j++
				}
				if j < n && q[j] == '$' {
					tag := q[i : j+1]
					end := strings.Index(q[j+1:], tag)
					if end < 0 {
						return nil, errs.New(errs.KindInvalidArgument, "%s: unterminated %s quoted string", dbName, tag)
					}
					i = j + 1 + end + len(tag)
				} else {
					i = j
				}
			case dbIdentStart(ch):
				j := i
				for j < n && dbIdentPart(q[j]) {
					j++
				}
				w := strings.ToLower(q[i:j])
				if st.lead == "" {
					st.lead = w
				}
				st.words[w] = true
				i = j
			default:
				i++
			}
		}
	}
	if st.lead == "" {
		return nil, errs.New(errs.KindInvalidArgument, "%s: the query has no statement", dbName)
	}
	st.write = !dbReadLeads[st.lead]
	if !st.write {
		for w := range st.words {
			if dbWriteWords[w] {
				st.write = true
				break
			}
		}
	}
	return st, nil
}

// dbSkipQuoted returns the index after the quoted text starting at i; a
// doubled quote is an escaped quote, and in E'...' so is a backslash.
func dbSkipQuoted(q string, i int, quote byte, backslash bool) (int, error) {
	for j := i + 1; j < len(q); j++ {
		if backslash && q[j] == '\\' {
			j++
			continue
		}
		if q[j] == quote {
			if j+1 < len(q) && q[j+1] == quote {
				j++
				continue
			}
			return j + 1, nil
		}
	}
	return 0, errs.New(errs.KindInvalidArgument, "%s: unterminated quoted text", dbName)
}

func dbIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func dbIdentPart(c byte) bool { return dbIdentStart(c) || c >= '0' && c <= '9' }
