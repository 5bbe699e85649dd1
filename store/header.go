package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// bbolt reads its file through mmap. A file shorter than its meta page says
// (a truncated copy, a full disk during a restore) makes the first access
// past the end a SIGBUS, which kills the process instead of returning an
// error. inspectHeader reads the two meta pages with ordinary reads before
// bbolt maps anything and refuses such a file.
//
// Meta page layout (bbolt 1.x internal/common/meta.go, native byte order):
// a 16-byte page header, then magic, version, page size, flags (4 x uint32),
// root bucket (root page id, sequence: 2 x uint64), freelist page id, page
// count ("high-water mark"), transaction id, checksum (4 x uint64). The
// checksum is FNV-1a 64 over the 56 bytes before it.

const (
	boltMagic          uint32 = 0xED0CDAED
	boltVersion        uint32 = 2
	boltPageHeaderSize        = 16
	boltMetaChecksumAt        = 56 // offset of the checksum inside the meta
	boltMetaSize              = boltMetaChecksumAt + 8
)

// boltMeta is the part of a bbolt meta page inspectHeader needs.
type boltMeta struct {
	pageSize      uint32
	highWaterMark uint64 // pages in use; the file must hold at least this many
	transactionID uint64
}

// parseBoltMeta decodes and validates one meta page.
func parseBoltMeta(page []byte) (boltMeta, error) {
	if len(page) < boltPageHeaderSize+boltMetaSize {
		return boltMeta{}, errors.New("meta page cut short")
	}
	meta := page[boltPageHeaderSize : boltPageHeaderSize+boltMetaSize]
	order := binary.NativeEndian
	if magic := order.Uint32(meta[0:]); magic != boltMagic {
		return boltMeta{}, fmt.Errorf("bad magic %#x (not a bbolt file)", magic)
	}
	if version := order.Uint32(meta[4:]); version != boltVersion {
		return boltMeta{}, fmt.Errorf("bbolt file version %d, want %d", version, boltVersion)
	}
	hash := fnv.New64a()
	hash.Write(meta[:boltMetaChecksumAt])
	if sum := order.Uint64(meta[boltMetaChecksumAt:]); sum != hash.Sum64() {
		return boltMeta{}, errors.New("meta page checksum mismatch")
	}
	parsed := boltMeta{
		pageSize:      order.Uint32(meta[8:]),
		highWaterMark: order.Uint64(meta[40:]),
		transactionID: order.Uint64(meta[48:]),
	}
	if parsed.pageSize < 1024 || parsed.pageSize&(parsed.pageSize-1) != 0 {
		return boltMeta{}, fmt.Errorf("implausible page size %d", parsed.pageSize)
	}
	return parsed, nil
}

// inspectHeader checks that path holds a bbolt file whose newest valid meta
// page fits inside the file. It returns a corruptError for anything else.
func inspectHeader(path string) error {
	file, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("store: cannot read %s: %w", path, err)
	}
	defer file.Close()
	info, err := file.Stat()
	if err != nil {
		return fmt.Errorf("store: cannot read %s: %w", path, err)
	}
	size := info.Size()
	if size == 0 {
		// New stores are created under a temporary name and renamed into
		// place, so an empty FileName is never a legitimate new store.
		return corruptError(path, errors.New("the file is empty (truncated to zero)"))
	}

	readMeta := func(offset int64) (boltMeta, error) {
		page := make([]byte, boltPageHeaderSize+boltMetaSize)
		if _, err := file.ReadAt(page, offset); err != nil {
			if errors.Is(err, io.EOF) {
				return boltMeta{}, errors.New("meta page beyond the end of the file")
			}
			return boltMeta{}, err
		}
		return parseBoltMeta(page)
	}

	first, firstErr := readMeta(0)
	// The second meta page sits one page in; without a valid first page the
	// page size is unknown, so try every size bbolt can use, as bbolt does.
	var second boltMeta
	secondErr := errors.New("no second meta page found")
	if firstErr == nil {
		second, secondErr = readMeta(int64(first.pageSize))
	} else {
		for pageSize := int64(1024); pageSize <= 1<<16 && pageSize < size; pageSize <<= 1 {
			candidate, err := readMeta(pageSize)
			if err == nil && int64(candidate.pageSize) == pageSize {
				second, secondErr = candidate, nil
				break
			}
		}
	}

	var newest boltMeta
	switch {
	case firstErr != nil && secondErr != nil:
		return corruptError(path, fmt.Errorf("both bbolt meta pages are invalid (first: %v; second: %v)", firstErr, secondErr))
	case firstErr != nil:
		newest = second
	case secondErr != nil:
		newest = first
	case second.transactionID > first.transactionID:
		newest = second
	default:
		newest = first
	}
	if need := int64(newest.highWaterMark) * int64(newest.pageSize); size < need {
		return corruptError(path, fmt.Errorf("the file is %d bytes but its header describes %d pages of %d bytes (%d bytes): it was truncated",
			size, newest.highWaterMark, newest.pageSize, need))
	}
	return nil
}
