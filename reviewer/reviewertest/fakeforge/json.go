package fakeforge

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
)

// CloneJSON deep-copies a decoded JSON value, so a fixture template can be adjusted per
// answer.
func CloneJSON(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[k] = CloneJSON(x)
		}
		return m
	case []any:
		s := make([]any, len(v))
		for i, x := range v {
			s[i] = CloneJSON(x)
		}
		return s
	}
	return v
}

// CloneObject deep-copies a decoded JSON object.
func CloneObject(m map[string]any) map[string]any { return CloneJSON(m).(map[string]any) }

// WriteJSON answers with v as JSON.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// PageOf returns the page and page size a list request asks for.
func PageOf(q url.Values, defaultPer int) (page, per int) {
	page, _ = strconv.Atoi(q.Get("page"))
	per, _ = strconv.Atoi(q.Get("per_page"))
	if page < 1 {
		page = 1
	}
	if per < 1 {
		per = defaultPer
	}
	return page, per
}

// PageSlice cuts one page out of items and says whether another follows.
func PageSlice[T any](items []T, page, per int) ([]T, bool) {
	lo := min((page-1)*per, len(items))
	hi := min(lo+per, len(items))
	return items[lo:hi], hi < len(items)
}

// Number reads a decoded JSON number as an int.
func Number(v any) (int, bool) {
	f, ok := v.(float64)
	return int(f), ok
}

// Nullable is n, or JSON null for 0.
func Nullable(n int) any {
	if n == 0 {
		return nil
	}
	return n
}
