// Package testfill sets every field of a value by reflection, so that a
// test of a mapping (engine record → wire type → engine record) fails when a
// field is added on one side and forgotten on another. Used by tests only.
package testfill

import (
	"fmt"
	"reflect"
)

// Fill sets every exported leaf reachable from ptr (a non-nil pointer to a
// struct) to a distinct non-zero value: strings "f<n>x" (no value is a
// prefix of another), integers n, booleans true; slices get one element,
// pointers a new value, both filled in turn. It returns the number of
// leaves set. Unexported fields, maps, funcs and channels are left alone.
func Fill(ptr any) int {
	n := 0
	fill(reflect.ValueOf(ptr).Elem(), &n)
	return n
}

func fill(v reflect.Value, n *int) {
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), n)
			}
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), n)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(v.Index(0), n)
	case reflect.String:
		*n++
		v.SetString(fmt.Sprintf("f%dx", *n))
	case reflect.Bool:
		*n++
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		*n++
		v.SetInt(int64(*n))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		*n++
		v.SetUint(uint64(*n))
	case reflect.Float32, reflect.Float64:
		*n++
		v.SetFloat(float64(*n))
	}
}

// ZeroLeaves returns the paths of the exported leaves of v (a struct or a
// pointer to one) that hold their zero value: empty after Fill means every
// field was reached.
func ZeroLeaves(v any) []string {
	var zero []string
	walk(reflect.ValueOf(v), reflect.TypeOf(v).String(), &zero)
	return zero
}

func walk(v reflect.Value, path string, zero *[]string) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			*zero = append(*zero, path)
			return
		}
		walk(v.Elem(), path, zero)
	case reflect.Struct:
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.IsExported() {
				walk(v.Field(i), path+"."+f.Name, zero)
			}
		}
	case reflect.Slice:
		if v.Len() == 0 {
			*zero = append(*zero, path)
			return
		}
		for i := range v.Len() {
			walk(v.Index(i), fmt.Sprintf("%s[%d]", path, i), zero)
		}
	case reflect.Map, reflect.Func, reflect.Chan, reflect.Interface:
	default:
		if v.IsZero() {
			*zero = append(*zero, path)
		}
	}
}
