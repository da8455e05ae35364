package web

import (
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/kiosk/escpos"
	"github.com/okienko/okienko/office"
)

// MaxUploadBody is the largest request body the server reads: a form
// template upload (office.MaxAttachmentBytes and the multipart framing).
// Every other request is held to MaxJSONBody by limitBody.
const MaxUploadBody = office.MaxAttachmentBytes + 64<<10

// limitBody answers 413 for a body over MaxJSONBody, except on the form
// template upload, which the server's own MaxUploadBody limits.
func limitBody(c *fiber.Ctx) error {
	if len(c.Request().Body()) > MaxJSONBody && !isUpload(c) {
		return fiber.ErrRequestEntityTooLarge
	}
	return c.Next()
}

// isUpload reports whether the request is POST /api/v1/admin/services/{id}/attachments.
func isUpload(c *fiber.Ctx) bool {
	if c.Method() != fiber.MethodPost {
		return false
	}
	rest, ok := strings.CutPrefix(c.Path(), "/api/v1/admin/services/")
	if !ok {
		return false
	}
	id, tail, ok := strings.Cut(rest, "/")
	return ok && id != "" && strings.TrimSuffix(tail, "/") == "attachments"
}

func (s *Server) attachmentRoutes(admin fiber.Router) {
	admin.Get("/services/:id/attachments", s.listAttachments)
	admin.Post("/services/:id/attachments", s.uploadAttachment)
	admin.Delete("/attachments/:id", s.deleteAttachment)
}

// listAttachments: GET /api/v1/admin/services/{id}/attachments — the form
// templates of a service, without their bytes.
func (s *Server) listAttachments(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	atts, err := s.Offices.Attachments(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(atts)
}

// uploadAttachment: POST /api/v1/admin/services/{id}/attachments as
// multipart/form-data with the PDF in "file" and an optional "title".
// 201 with the attachment; 400 without a file part; 422 for a file that
// isn't a PDF or is too big.
func (s *Server) uploadAttachment(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if !strings.HasPrefix(strings.ToLower(c.Get(fiber.HeaderContentType)), fiber.MIMEMultipartForm) {
		return &okienko.Error{Code: okienko.EBADREQUEST, Message: "send the form template as multipart/form-data with the PDF in the field \"file\""}
	}
	fh, err := c.FormFile("file")
	if err != nil {
		return &okienko.Error{Code: okienko.EBADREQUEST, Message: "the field \"file\" with the PDF is missing",
			Fields: map[string]string{"file": "choose a PDF file"}}
	}
	if fh.Size > office.MaxAttachmentBytes {
		return okienko.Invalid("file", office.TooBig)
	}
	f, err := fh.Open()
	if err != nil {
		return okienko.Internal(err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, office.MaxAttachmentBytes+1))
	if err != nil {
		return okienko.Internal(err)
	}
	a, err := s.Offices.AddAttachment(c.UserContext(), id, c.FormValue("title"), fh.Filename, data)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(a)
}

// deleteAttachment: DELETE /api/v1/admin/attachments/{id}.
func (s *Server) deleteAttachment(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := s.Offices.DeleteAttachment(c.UserContext(), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// downloadAttachment: GET /api/v1/attachments/{id}/{filename} — the PDF,
// as a download, cached by its hash. 404 when the name isn't the file's.
func (s *Server) downloadAttachment(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	a, err := s.Offices.Attachment(c.UserContext(), id)
	if err != nil {
		return err
	}
	if name, err := url.PathUnescape(c.Params("filename")); err != nil || name != a.Filename {
		return okienko.Errorf(okienko.ENOTFOUND, "attachment %d has another name", id)
	}
	etag := `"` + a.SHA256 + `"`
	c.Set(fiber.HeaderETag, etag)
	c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
	// Opened in the browser rather than saved, the PDF runs no scripts.
	c.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	if c.Get(fiber.HeaderIfNoneMatch) == etag {
		return c.SendStatus(fiber.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, a.ContentType)
	c.Set(fiber.HeaderContentDisposition, contentDisposition(a.Filename))
	return c.Send(a.Data)
}

// contentDisposition names a download: an ASCII filename for old clients
// and the UTF-8 one (RFC 6266, RFC 5987) for the rest.
func contentDisposition(name string) string {
	ascii := []rune(escpos.ASCII(name))
	for i, r := range ascii {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			ascii[i] = '_'
		}
	}
	return fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, string(ascii), url.PathEscape(name))
}
