package office

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"path"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/audit"
)

// Limits of form templates.
const (
	MaxAttachmentBytes       = 10 << 20
	MaxAttachmentsPerService = 20
	maxAttachmentTitle       = 200
	maxAttachmentFilename    = 120
)

// TooBig is the complaint about a file over MaxAttachmentBytes.
var TooBig = fmt.Sprintf("the file is larger than the %d MB allowed", MaxAttachmentBytes>>20)

// Attachment is a form template (PDF) residents download from a matter's
// page. Data is loaded only by Attachment.
type Attachment struct {
	ID          int64     `json:"id"`
	ServiceID   int64     `json:"service_id"`
	Title       string    `json:"title"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256" gorm:"column:sha256"`
	Data        []byte    `json:"-"`
	CreatedAt   time.Time `json:"created_at"`
	URL         string    `json:"url" gorm:"-"`
}

// TableName is the table of attachments.
func (Attachment) TableName() string { return "attachments" }

// AttachmentURL is where attachment id named filename is downloaded.
func AttachmentURL(id int64, filename string) string {
	return fmt.Sprintf("/api/v1/attachments/%d/%s", id, url.PathEscape(filename))
}

// attachmentColumns are the columns read for lists: everything but the bytes.
var attachmentColumns = []string{"id", "service_id", "title", "filename", "content_type", "size", "sha256", "created_at"}

// Attachments lists the form templates of a service in the order they were
// added, without their bytes. ENOTFOUND for an unknown service.
func (s *Store) Attachments(ctx context.Context, serviceID int64) ([]Attachment, error) {
	db := s.db.WithContext(ctx)
	if _, err := loadService(db, serviceID); err != nil {
		return nil, storeError(err)
	}
	out := []Attachment{}
	if err := db.Select(attachmentColumns).Where("service_id = ?", serviceID).Order("id").Find(&out).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	for i := range out {
		out[i].URL = AttachmentURL(out[i].ID, out[i].Filename)
	}
	return out, nil
}

// Attachment returns one form template with its bytes. ENOTFOUND.
func (s *Store) Attachment(ctx context.Context, id int64) (*Attachment, error) {
	var a Attachment
	if err := s.db.WithContext(ctx).First(&a, "id = ?", id).Error; err != nil {
		return nil, storeError(notFound(err, "attachment", id))
	}
	a.URL = AttachmentURL(a.ID, a.Filename)
	return &a, nil
}

// AddAttachment stores a PDF form template for a service. The title
// defaults to the file's name without its extension; the file name is
// reduced to safe characters and ends in .pdf. EINVALID on file (not a PDF,
// empty, over MaxAttachmentBytes, or the service has
// MaxAttachmentsPerService already) or title; ENOTFOUND for an unknown
// service.
func (s *Store) AddAttachment(ctx context.Context, serviceID int64, title, filename string, data []byte) (*Attachment, error) {
	f := okienko.FieldErrors{}
	switch {
	case len(data) == 0:
		f.Add("file", "the file is empty")
	case len(data) > MaxAttachmentBytes:
		f.Add("file", TooBig)
	case !IsPDF(data):
		f.Add("file", "only PDF files can be added")
	}
	filename = SafeFilename(filename)
	title = strings.TrimSpace(title)
	if title == "" {
		title = strings.TrimSuffix(filename, ".pdf")
	}
	if n := utf8.RuneCountInString(title); n > maxAttachmentTitle {
		f.Add("title", fmt.Sprintf("must be at most %d characters, got %d", maxAttachmentTitle, n))
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	var out Attachment
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		if _, err := lockService(tx, serviceID); err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&Attachment{}).Where("service_id = ?", serviceID).Count(&n).Error; err != nil {
			return err
		}
		if n >= MaxAttachmentsPerService {
			return okienko.Invalid("file", fmt.Sprintf("a matter can have at most %d form templates", MaxAttachmentsPerService))
		}
		now := s.now()
		a := Attachment{ServiceID: serviceID, Title: title, Filename: filename, ContentType: "application/pdf",
			Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]), Data: data, CreatedAt: now}
		if err := tx.Create(&a).Error; err != nil {
			return err
		}
		a.URL = AttachmentURL(a.ID, a.Filename)
		out = a
		out.Data = nil
		return audit.Record(ctx, tx, now, audit.Create, ObjectAttachment, a.ID, nil, out)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteAttachment removes a form template. ENOTFOUND.
func (s *Store) DeleteAttachment(ctx context.Context, id int64) error {
	return s.transaction(ctx, func(tx *gorm.DB) error {
		var a Attachment
		if err := tx.Select(attachmentColumns).First(&a, "id = ?", id).Error; err != nil {
			return notFound(err, "attachment", id)
		}
		if err := tx.Delete(&Attachment{}, id).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.now(), audit.Delete, ObjectAttachment, id, a, nil)
	})
}

// lockService reads a service, locking its row on PostgreSQL (SQLite's
// immediate transaction holds the write lock already), so counting its
// attachments and adding one are one step. ENOTFOUND.
func lockService(tx *gorm.DB, id int64) (*Service, error) {
	if tx.Dialector.Name() == "postgres" {
		tx = tx.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	return loadService(tx, id)
}

// IsPDF reports whether data starts like a PDF file ("%PDF-" within its
// first 1024 bytes, as readers accept) and has an end-of-file marker.
func IsPDF(data []byte) bool {
	head := data[:min(len(data), 1024)]
	tail := data[max(0, len(data)-1024):]
	return bytes.Contains(head, []byte("%PDF-")) && bytes.Contains(tail, []byte("%%EOF"))
}

// SafeFilename reduces a file name to its base, letters (Polish included),
// digits, dot, dash and underscore, other characters as underscores, at most
// 120 characters, ending in .pdf; "formularz.pdf" when nothing is left.
func SafeFilename(name string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.TrimSuffix(strings.TrimSuffix(name, ".pdf"), ".PDF")
	var b strings.Builder
	for _, r := range name {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' || r == '.':
			b.WriteRune(r)
		default:
			b.WriteRune('_')
		}
	}
	base := strings.Trim(b.String(), "._")
	if r := []rune(base); len(r) > maxAttachmentFilename-4 {
		base = string(r[:maxAttachmentFilename-4])
	}
	if base == "" {
		base = "formularz"
	}
	return base + ".pdf"
}

// FormatSize writes a size in bytes as people read it: "820 B", "12 kB",
// "1.4 MB".
func FormatSize(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < 1000*1000:
		return fmt.Sprintf("%d kB", (n+500)/1000)
	default:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
}
