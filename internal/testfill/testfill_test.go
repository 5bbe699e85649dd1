package testfill

import "testing"

type inner struct {
	Name string
	N    int32
}

type record struct {
	A, B   string
	OK     bool
	Count  uint16
	In     inner
	List   []inner
	Ptr    *inner
	hidden string
}

func TestFillReachesEveryLeaf(t *testing.T) {
	var r record
	if zero := ZeroLeaves(&r); len(zero) == 0 {
		t.Fatal("ZeroLeaves found nothing zero in a zero record")
	}
	n := Fill(&r)
	if zero := ZeroLeaves(&r); len(zero) != 0 {
		t.Fatalf("zero after Fill: %v", zero)
	}
	if n != 10 || r.A == r.B || r.hidden != "" {
		t.Fatalf("Fill set %d leaves: %+v", n, r)
	}
}
