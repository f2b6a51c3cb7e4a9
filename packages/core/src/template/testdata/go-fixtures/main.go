// Renders template cases with ESO v0.16.2's own template engine (pkg/template/v2: Go
// text/template, ESO's Sprig fork and ESO's PEM/PKCS#12/JWK helpers) and writes
// ../go-fixtures.json, which the TypeScript engine's tests compare against.
//
// Run from this directory: `GOFLAGS=-mod=mod go run .` (see docs/generic-pipeline.md).
// Inputs are ESO's own test certificates (read from the module cache), rsa.key/rsa.crt
// beside this file, and JWKs derived from those keys; every input is recorded in the JSON so
// the tests never need Go.
package main

import (
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/lestrrat-go/jwx/v2/jwk"
	corev1 "k8s.io/api/core/v1"

	esapi "github.com/external-secrets/external-secrets/apis/externalsecrets/v1"
	esotemplate "github.com/external-secrets/external-secrets/pkg/template/v2"
)

const esoModule = "github.com/external-secrets/external-secrets"

// fixture is one rendered case. Check says how a test compares a random output:
// "exact" (byte for byte), "pkcs12:<password>" (decode it and compare key and certificates),
// "htpasswd:<user>:<password>" (verify the bcrypt hash).
type fixture struct {
	Name     string            `json:"name"`
	Template string            `json:"template"`
	Data     map[string]string `json:"dataBase64"`
	Output   *string           `json:"output,omitempty"`
	Error    *string           `json:"error,omitempty"`
	Check    string            `json:"check"`
}

type tcase struct {
	name, template string
	data           map[string]string
	check          string
}

func render(c tcase) fixture {
	data := map[string][]byte{}
	encoded := map[string]string{}
	for k, v := range c.data {
		data[k] = []byte(v)
		encoded[k] = base64.StdEncoding.EncodeToString([]byte(v))
	}
	check := c.check
	if check == "" {
		check = "exact"
	}
	f := fixture{Name: c.name, Template: c.template, Data: encoded, Check: check}
	secret := &corev1.Secret{}
	err := esotemplate.Execute(map[string][]byte{"out": []byte(c.template)}, data, esapi.TemplateScopeValues, esapi.TemplateTargetData, secret)
	if err != nil {
		msg := err.Error()
		f.Error = &msg
		return f
	}
	out := secret.Data["out"]
	if !utf8.Valid(out) {
		panic(fmt.Sprintf("case %q renders binary output; encode it in the template", c.name))
	}
	s := string(out)
	f.Output = &s
	return f
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func readFile(dir, name string) string {
	return string(must(os.ReadFile(filepath.Join(dir, name))))
}

func privateKey(pemText string) crypto.PrivateKey {
	block, _ := pem.Decode([]byte(pemText))
	if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		return k
	}
	return must(x509.ParseECPrivateKey(block.Bytes))
}

func jwkJSON(raw any, public bool) string {
	key := must(jwk.FromRaw(raw))
	if public {
		key = must(jwk.PublicKeyOf(key))
	}
	return string(must(json.Marshal(key)))
}

func main() {
	esoDir := strings.TrimSpace(string(must(exec.Command("go", "list", "-m", "-f", "{{.Dir}}", esoModule).Output())))
	td := filepath.Join(esoDir, "pkg/template/v2/_testdata")
	fooCrt, fooKey := readFile(td, "foo.crt"), readFile(td, "foo.key")
	rootCrt, interCrt := readFile(td, "root-ca.crt"), readFile(td, "intermediate-ca.crt")
	interKey, rootKey := readFile(td, "intermediate-ca.key"), readFile(td, "root-ca.key")
	rsaCrt, rsaKey := readFile(".", "rsa.crt"), readFile(".", "rsa.key")
	pfx := func(name string) string { return readFile(td, name) }
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

	var cases []tcase
	add := func(name, template string, data map[string]string, check string) {
		cases = append(cases, tcase{name, template, data, check})
	}
	none := map[string]string{}

	// Sprig float math (shopspring/decimal arithmetic, float64 results).
	add("addf adds in decimal", `{{ addf 0.1 0.2 }} {{ addf 1.1 2.2 3.3 }} {{ addf }} {{ add1f 1.5 }} {{ addf 1e20 1 }}`, none, "")
	add("subf mulf divf", `{{ subf 10 3.3 1.1 }} {{ mulf 1.1 3 }} {{ mulf 0.1 0.1 }} {{ divf 10 3 }} {{ divf 1 3 3 }} {{ divf 2 3 }} {{ divf -2 3 }} {{ divf 7 2 }}`, none, "")
	add("float math converts strings and ints", `{{ addf "1.5" .n 2 }} {{ mulf .n "x" }} {{ subf true 0.5 }} {{ divf 1 8 | printf "%T %v" }}`, map[string]string{"n": "2.25"}, "")
	add("divf by zero fails", `{{ divf 1 0 }}`, none, "")
	add("maxf minf", `{{ maxf 1 2.5 "3.5" }} {{ minf 1 -2.5 }} {{ maxf -0.0 0 }} {{ minf 3 }}`, none, "")
	add("floor ceil", `{{ floor 2.7 }} {{ floor -2.1 }} {{ ceil -0.5 }} {{ ceil 2.1 }} {{ floor "3.9" }} {{ ceil 5 }}`, none, "")
	add("round", `{{ round 2.456 2 }} {{ round -2.4 0 }} {{ round -2.5 0 }} {{ round 2.5 0 }} {{ round 2.45 1 0.4 }} {{ round 1234.5678 -2 }} {{ round "3.14159" 3 }}`, none, "")

	// Sprig semver (Masterminds/semver v3).
	for _, c := range [][2]string{
		{"^1.2.0", "1.4.5"}, {"^1.2.0", "2.0.0"}, {"^0.2.3", "0.2.9"}, {"^0.2.3", "0.3.0"}, {"^0.0.3", "0.0.4"},
		{"~1.2.3", "1.2.9"}, {"~1.2.3", "1.3.0"}, {"~1", "1.9.0"}, {">=1.2, <2.0", "1.9.9"}, {">= 1.2 < 2.0", "2.0.0"},
		{"1.x", "1.7.0"}, {"1.2.x", "1.3.0"}, {"*", "3.0.0"}, {"1.2.3 - 1.4", "1.4.9"}, {"1.2.3 - 1.4", "1.5.0"},
		{"!=1.2.3", "1.2.3"}, {">1.0.0-alpha", "1.0.0-beta"}, {">=1.0.0", "1.2.0-beta"}, {"=1.2", "1.2.0"},
		{">= 1.2 || < 0.5", "0.4.0"}, {"v1.2.3", "1.2.3"}, {"1.2.3", "v1.2.3"}, {"^1.2", "1.2.0+build"}, {"<1.2.3", "1.2.3-rc.1"},
		{">1.2", "1.2.5"}, {"<=1.2", "1.2.9"}, {"~> 1.2", "1.2.7"}, {"^2.x", "2.5.0"},
	} {
		add("semverCompare "+c[0]+" "+c[1], fmt.Sprintf(`{{ semverCompare %q %q }}`, c[0], c[1]), none, "")
	}
	add("semverCompare rejects a bad version", `{{ semverCompare "^1.0" "one.two" }}`, none, "")
	add("semverCompare rejects a bad constraint", `{{ semverCompare "^^1" "1.0.0" }}`, none, "")
	add("semver parses and prints", `{{ semver "v1.2" }} {{ semver "1.2.3-beta.1+build.5" }} {{ $v := semver "1.2.3-beta.1+build.5" }}{{ $v.Major }}.{{ $v.Minor }}.{{ $v.Patch }} [{{ $v.Prerelease }}] [{{ $v.Metadata }}] {{ $v.Original }} {{ (semver "2").String }}`, none, "")
	add("semver compares", `{{ (semver "1.2.3").Compare (semver "1.3.0") }} {{ (semver "1.2.3").LessThan (semver "1.3.0") }} {{ (semver "1.3.0").GreaterThan (semver "1.2.3") }} {{ (semver "1.2.3+a").Equal (semver "1.2.3+b") }}`, none, "")
	add("semver rejects a bad version", `{{ semver "1.2.3.4" }}`, none, "")

	// htpasswd (bcrypt with a random salt).
	add("htpasswd", `{{ htpasswd "admin" .pass }}`, map[string]string{"pass": "s3cr3t pa55"}, "htpasswd:admin:s3cr3t pa55")
	add("htpasswd refuses a colon in the user", `{{ htpasswd "ad:min" "x" }}`, none, "")

	// toYaml / fromYaml (sigs.k8s.io/yaml).
	j := `{"name":"db","port":5432,"ratio":0.5,"big":12345678901,"on":true,"tags":["a","b"],"nested":{"empty":"","yes":"yes","num":"1.0","colon":"a: b","multi":"l1\nl2","nil":null},"list":[{"k":1},[]],"e":{}}`
	add("toYaml of JSON data", `{{ .j | fromJson | toYaml }}`, map[string]string{"j": j}, "")
	add("toYaml quotes what YAML 1.1 would read as another type", `{{ dict "n" 1 "y" "y" "s" "123" "t" "2001-12-14" "b" "1:20" "m" "<<" "x" "x:y" "q" "it's" "tab" "a\tb" | toYaml }}`, none, "")
	add("toYaml of template values", `{{ dict "b" (list 1 "two" 3.5 true) "a" "x" | toYaml }}|{{ toYaml "plain" }}|{{ toYaml 42 }}|{{ list | toYaml }}`, none, "")
	y := "a:\n  b: [1, 2]\n  c: \"q\"\non: yes\nn: ~\nt: 2001-12-14\nf: 1.5\ni: 0x1F\noct: 012\nanchor: &x {k: v}\nref: *x\n"
	add("fromYaml to JSON", `{{ .y | fromYaml | toJson }}`, map[string]string{"y": y}, "")
	add("fromYaml fields", `{{ $m := fromYaml .y }}{{ $m.a.c }} {{ index $m.a.b 1 }} {{ $m.f }}`, map[string]string{"y": y}, "")
	add("fromYaml of an empty document", `{{ fromYaml "" | toJson }}`, none, "")

	// filterPEM and JWK helpers.
	add("filterPEM keeps one type", `{{ .b | filterPEM "CERTIFICATE" }}|{{ .b | filterPEM "private key" }}`, map[string]string{"b": rsaKey + fooCrt + interCrt}, "")
	add("filterPEM with CRLF and text around blocks", `{{ .b | filterPEM "CERTIFICATE" }}`, map[string]string{"b": "bag attributes\r\n" + strings.ReplaceAll(fooCrt, "\n", "\r\n") + "trailer\n"}, "")
	add("filterPEM fails on junk", `{{ .b | filterPEM "CERTIFICATE" }}`, map[string]string{"b": "not pem"}, "")
	for _, k := range []struct{ name, pem string }{{"rsa", rsaKey}, {"ec", interKey}, {"ed25519", rootKey}} {
		raw := privateKey(k.pem)
		pub := raw.(interface{ Public() crypto.PublicKey }).Public()
		add("jwkPrivateKeyPem "+k.name, `{{ .jwk | jwkPrivateKeyPem }}`, map[string]string{"jwk": jwkJSON(raw, false)}, "")
		add("jwkPublicKeyPem "+k.name, `{{ .jwk | jwkPublicKeyPem }}`, map[string]string{"jwk": jwkJSON(pub, true)}, "")
	}

	// filterCertChain (certificates ordered by key identifiers).
	bundle := map[string]string{"b": rootCrt + fooCrt + interCrt, "d": readFile(td, "disjunct-chain.pem") + fooCrt}
	add("filterCertChain picks leaf, intermediates and root", `{{ filterCertChain "leaf" .b }}|{{ filterCertChain "intermediate" .b }}|{{ filterCertChain "root" .b }}|{{ filterCertChain "other" .b }}`, bundle, "")
	add("filterCertChain of a root alone", `[{{ filterCertChain "leaf" .r }}][{{ filterCertChain "root" .r }}]`, map[string]string{"r": rootCrt}, "")
	add("filterCertChain fails on disjunct certificates", `{{ filterCertChain "leaf" .d }}`, bundle, "")

	// PKCS#12: ESO's test archives (OpenSSL 1.x defaults: RC2-40 certificates, 3DES key, SHA-1 MAC).
	for _, p := range []struct{ file, pass string }{
		{"foo-nopass.pfx", ""}, {"foo-withpass-1234.pfx", "1234"}, {"foo-multibag-nopass.pfx", ""}, {"foo-disjunct-nopass.pfx", ""},
	} {
		data := map[string]string{"p": pfx(p.file), "b64": b64(pfx(p.file))}
		if p.pass == "" {
			add("pkcs12key "+p.file, `{{ .p | pkcs12key }}`, data, "")
			add("pkcs12cert "+p.file, `{{ .b64 | b64dec | pkcs12cert }}`, data, "")
		}
		add("pkcs12keyPass "+p.file, fmt.Sprintf(`{{ .b64 | b64dec | pkcs12keyPass %q }}`, p.pass), data, "")
		add("pkcs12certPass "+p.file, fmt.Sprintf(`{{ .p | pkcs12certPass %q }}`, p.pass), data, "")
	}
	add("pkcs12keyPass wrong password", `{{ .p | pkcs12keyPass "wrong" }}`, map[string]string{"p": pfx("foo-withpass-1234.pfx")}, "")
	add("pkcs12certPass wrong password", `{{ .p | pkcs12certPass "wrong" }}`, map[string]string{"p": pfx("foo-withpass-1234.pfx")}, "")
	add("pkcs12key of non-PKCS#12 data", `{{ .p | pkcs12key }}`, map[string]string{"p": "not a keystore"}, "")

	// PKCS#12 encoding (go-pkcs12 Modern: PBES2/AES-256-CBC, HMAC-SHA-256; random salts and IVs).
	chainData := map[string]string{"crt": fooCrt, "chain": fooCrt + interCrt + rootCrt, "key": fooKey}
	rsaData := map[string]string{"crt": rsaCrt, "key": rsaKey}
	add("fullPemToPkcs12", `{{ fullPemToPkcs12 .chain .key }}`, chainData, "pkcs12:")
	add("fullPemToPkcs12Pass", `{{ fullPemToPkcs12Pass .chain .key "p@ss" }}`, chainData, "pkcs12:p@ss")
	add("pemToPkcs12", `{{ pemToPkcs12 .crt .key }}`, chainData, "pkcs12:")
	add("pemToPkcs12Pass rsa", `{{ pemToPkcs12Pass .crt .key "1234" }}`, rsaData, "pkcs12:1234")
	add("fullPemToPkcs12 round trip of the chain", `{{ fullPemToPkcs12 .chain .key | b64dec | pkcs12cert }}`, chainData, "")
	add("fullPemToPkcs12Pass round trip of the key", `{{ fullPemToPkcs12Pass .chain .key "p" | b64dec | pkcs12keyPass "p" }}`, chainData, "")
	add("pemToPkcs12 round trip rsa", `{{ pemToPkcs12 .crt .key | b64dec | pkcs12key }}{{ pemToPkcs12 .crt .key | b64dec | pkcs12cert }}`, rsaData, "")
	add("fullPemToPkcs12 with a key that does not parse", `{{ fullPemToPkcs12 .crt "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n" }}`, chainData, "")

	fixtures := make([]fixture, 0, len(cases))
	for _, c := range cases {
		fixtures = append(fixtures, render(c))
	}
	out := must(json.MarshalIndent(map[string]any{
		"generator": "packages/core/src/template/testdata/go-fixtures (ESO " + esoModule + " v0.16.2, pkg/template/v2)",
		"fixtures":  fixtures,
	}, "", "  "))
	must(0, os.WriteFile("../go-fixtures.json", append(out, '\n'), 0o644))
	fmt.Printf("wrote %d fixtures to ../go-fixtures.json\n", len(fixtures))
}
