package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
)

//go:embed static
var staticFS embed.FS

//go:embed templates/*.html
var templateFS embed.FS

//go:embed openapi.yaml
var openAPI []byte

var pages = template.Must(template.ParseFS(templateFS, "templates/*.html"))

// staticFiles serves web/static. The pages ask for their files with
// ?v=VERSION, which a browser may keep for an hour; a file asked for without
// it (a module another module imports, as "./okienko-ui.js") is checked with
// the server every time (no-cache, with an ETag), so it is never older than
// the page that uses it.
func staticFiles() fiber.Handler {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err)
	}
	serve := filesystem.New(filesystem.Config{Root: http.FS(sub), MaxAge: 3600})
	return func(c *fiber.Ctx) error {
		if err := serve(c); err != nil || c.Query("v") != "" || c.Response().StatusCode() != fiber.StatusOK {
			return err
		}
		sum := sha256.Sum256(c.Response().Body())
		tag := `"` + hex.EncodeToString(sum[:12]) + `"`
		c.Set(fiber.HeaderCacheControl, "no-cache")
		c.Set(fiber.HeaderETag, tag)
		if c.Get(fiber.HeaderIfNoneMatch) == tag {
			c.Context().ResetBody()
			c.Status(fiber.StatusNotModified)
		}
		return nil
	}
}

// serveOpenAPI: GET /api/openapi.yaml
func serveOpenAPI(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, "application/yaml; charset=utf-8")
	return c.Send(openAPI)
}

// render writes the named page template as HTML.
func render(c *fiber.Ctx, name string, data any) error {
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return pages.ExecuteTemplate(c.Response().BodyWriter(), name, data)
}
