package protocol

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// wireTypes lists every wire type of the package (pointers to zero values).
var wireTypes = []any{
	// ENetUC_Common
	&AsnStringPair{}, &AsnStringIntegerPair{}, &AsnIntegerPair{}, &AsnRequestError{}, &AsnUserPropertyBag{},
	&AsnNetDatabaseContactID{}, &AsnNetDatabaseContact{},
	// ENetUC_Common_AsnContact, appointments, SIPCTI
	&AsnUserDynamicRights{}, &AsnExternalPresenceState{}, &AsnAbsentStateV2{}, &AsnCustomNote{},
	&AsnAppointmentEntry{}, &AsnLineForward{}, &AsnContactCallInformationV2{}, &AsnSIPLineDetails{},
	&AsnContactPhoneLineV2{}, &AsnContactV2{},
	// ENetUC_PresenceV2, ClientCapabilities
	&AsnPresenceLine{}, &AsnPresenceCallV2{}, &AsnPresenceForward{}, &AsnActualUserDynamicRights{},
	&AsnAgentState{}, &AsnMonitorGroupingAttribute{}, &AsnClientCapabilitiesV2{}, &AsnPresenceV2{},
	// operation arguments and results
	&AsnGetAndSubscribePresenceArgument{}, &AsnGetAndSubscribePresenceV2Result{},
	&AsnUnsubscribePresenceArgument{}, &AsnUnsubscribePresenceResult{}, &AsnUpdatePresenceV2Argument{},
	&AsnRemovePresenceArgument{}, &AsnSetDynamicRightsArgument{}, &AsnSetDynamicRightsResult{},
	&AsnRemoveDynamicRightsArgument{}, &AsnRemoveDynamicRightsResult{},
	&AsnRequestLargeProfileImageArgument{}, &AsnRequestLargeProfileImageResult{},
	&AsnRequestContactImageArgument{}, &AsnRequestContactImageResult{},
	&AsnSetUserAbsentStateArgument{}, &AsnSetUserAbsentStateResult{},
	&AsnGetUserAbsentStateArgument{}, &AsnGetUserAbsentStateResult{},
	&AsnResetUserAbsentStateArgument{}, &AsnResetUserAbsentStateResult{}, &AsnUpdateMyAbsentStateV2Argument{},
	&AsnCustomNoteSetArgument{}, &AsnCustomNoteSetResult{}, &AsnUpdateMyCustomNoteArgument{},
	&AsnUpdateMyContactConfigurationV2Argument{}, &AsnTransportKeepAliveArgument{}, &AsnKeepAliveArgument{},
	&AsnSubscribeServicesArgument{}, &AsnSubscribeServicesResult{}, &AsnStartTLSArgument{}, &AsnStartTLSResult{},
	// login
	&AsnNegotiateServerConnectionAnonymousDataArgument{}, &AsnNegotiateServerConnectionV2Argument{},
	&AsnNegotiateServerConnectionAnonymousDataResult{}, &AsnNegotiateServerConnectionV2Result{},
	&AsnNegotiateServerConnectionV2ServerBusy{}, &AsnNegotiateServerConnectionV2IncompatibleInterfaceVersion{},
	&AsnNegotiateServerConnectionV2ResultChoice{}, &AsnAuthBasicCredential{}, &AsnAuthNTLMCredential{},
	&AsnAuthKerberosCredential{}, &AsnAuthBearer{}, &AsnAuthOpenIDC{}, &AsnLoginV2ChoiceArgument{},
	&AsnLoginV2Argument{}, &AsnAuthDigestParams{}, &AsnLoginV2ResultSupportedAuthMethods{}, &AsnLoginV2Token{},
	&AsnLoginV2ResultSuccess{}, &AsnLoginV2ResultServerRedirect{}, &AsnLoginV2ResultServerBusy{},
	&AsnLoginV2ResultRenegotiateNTLM{}, &AsnLoginV2Result{}, &AsnLogoffArgument{},
	&AsnGetLoggedInContactArgument{}, &AsnGetLoggedInContactV2Result{},
	// legacy V1
	&AsnAbsentState{}, &AsnContactCapabilities{}, &AsnClientCapabilities{}, &AsnPresenceCall{}, &AsnPresence{},
	&AsnUpdatePresenceArgument{}, &AsnGetAndSubscribePresenceResult{}, &AsnAbsentStateSetUserArgument{},
	&AsnAbsentStateSetUserResult{}, &AsnAbsentStateSetUserV2Argument{}, &AsnAbsentStateSetUserV2Result{},
	&AsnAbsentStateGetUserArgument{}, &AsnAbsentStateGetUserResult{}, &AsnAbsentStateGetUserV2Argument{},
	&AsnAbsentStateGetUserV2Result{}, &AsnAbsentStateResetArgument{}, &AsnAbsentStateResetResult{},
	&AsnUpdateMyAbsentStateArgument{}, &AsnContactPhoneLine{}, &AsnContact{}, &AsnGetLoggedInContactResult{},
	&AsnGetUserTokenArgument{}, &AsnGetUserTokenV2Result{}, &AsnGetUserTokenResult{},
	// envelope
	&ROSEAuth{}, &ROSEAuthRequest{}, &ROSEAuthResult{},
}

// TestWireTypesRoundTrip encodes random values of every wire type with
// encoding/json, decodes them with DecodeValue (which also checks the mandatory
// members) and expects the same value back.
func TestWireTypesRoundTrip(t *testing.T) {
	for _, sample := range wireTypes {
		valueType := reflect.TypeOf(sample).Elem()
		t.Run(valueType.Name(), func(t *testing.T) {
			for seed := uint64(0); seed < 40; seed++ {
				original := reflect.New(valueType)
				newRandomFiller(seed, false).fill(original.Elem(), false, 0)
				encoded, err := json.Marshal(original.Interface())
				if err != nil {
					t.Fatalf("seed %d: Marshal: %v", seed, err)
				}
				if strings.Contains(string(encoded), "null") && valueType.Name() != "AsnTransportKeepAliveArgument" &&
					valueType.Name() != "AsnKeepAliveArgument" {
					t.Fatalf("seed %d: encoding contains null: %s", seed, encoded)
				}
				decoded := reflect.New(valueType)
				if err := DecodeValue(encoded, decoded.Interface()); err != nil {
					t.Fatalf("seed %d: DecodeValue: %v\n%s", seed, err, encoded)
				}
				if !reflect.DeepEqual(original.Interface(), decoded.Interface()) {
					t.Fatalf("seed %d: round trip differs\nwant %#v\ngot  %#v\njson %s", seed, original.Interface(), decoded.Interface(), encoded)
				}
			}
		})
	}
}

// TestOptionalIntegerZeroIsEmitted checks the presence rule on integers: a
// present optional 0 and a mandatory 0 are on the wire, an absent optional is not.
func TestOptionalIntegerZeroIsEmitted(t *testing.T) {
	cases := []struct {
		value any
		want  string
	}{
		{&AsnPresenceV2{ContactID: "a"}, `{"u8sContactId":"a"}`},
		{&AsnPresenceV2{ContactID: "a", PresenceState: Some[int64](0)}, `{"u8sContactId":"a","iPresenceState":0}`},
		{&AsnAbsentStateV2{}, `{"u8sContactId":"","eAbsentState":0}`},
		{&AsnGetAndSubscribePresenceArgument{}, `{"seqContactIDs":[]}`},
		{&AsnGetAndSubscribePresenceArgument{OpenOnlyInternalContacts: Some(false)}, `{"seqContactIDs":[],"bOpenOnlyInternalContacts":false}`},
		{&AsnPresenceV2{ContactID: "a", Calls: []AsnPresenceCallV2{}}, `{"u8sContactId":"a","seqCalls":[]}`},
		{&AsnRequestLargeProfileImageResult{ImageData: OctetString{}}, `{"iResult":0,"sImageData":""}`},
		{&AsnRequestLargeProfileImageResult{}, `{"iResult":0}`},
		{&AsnNegotiateServerConnectionV2Result{}, `{"eServerType":0,"u8sServerInterfaceVersion":"","eAuthenticationMethod":0,"sServerAuthentication":"","stServerTime":"","u8sServerVersion":"","u8sConnectionGUID":"","u8sPresenceDomains":[]}`},
		{&AsnTransportKeepAliveArgument{}, `{"dummy":null}`},
		{&AsnLoginV2Result{Succeeded: &AsnLoginV2ResultSuccess{LoggedInUser: Some("alice")}}, `{"succceeded":{"u8sLoggedInUser":"alice"}}`},
	}
	for _, testCase := range cases {
		encoded, err := json.Marshal(testCase.value)
		if err != nil {
			t.Fatal(err)
		}
		if string(encoded) != testCase.want {
			t.Errorf("%T:\n got %s\nwant %s", testCase.value, encoded, testCase.want)
		}
	}
}

// TestChoiceNeedsExactlyOneAlternative checks the CHOICE decoders.
func TestChoiceNeedsExactlyOneAlternative(t *testing.T) {
	var login AsnLoginV2Argument
	if err := DecodeValue([]byte(`{"auth":{"authBasic":{"credential":"YTpi"}}}`), &login); err != nil || login.Auth.Basic.Credential != "YTpi" {
		t.Fatalf("authBasic: %v %+v", err, login)
	}
	if err := DecodeValue([]byte(`{"auth":{"authBearer":{"u8sJWT":"x"}}}`), &login); err != nil || login.Auth.Bearer == nil || login.Auth.Basic != nil {
		t.Fatalf("authBearer: %v %+v", err, login.Auth)
	}
	for _, input := range []string{
		`{"auth":{}}`,
		`{"auth":{"authBasic":{"credential":"a"},"authBearer":{"u8sJWT":"b"}}}`,
		`{"auth":{"authBasic":{}}}`, // credential is mandatory
	} {
		if err := DecodeValue([]byte(input), &login); err == nil {
			t.Errorf("%s: want an error", input)
		}
	}
	var result AsnLoginV2Result
	if err := json.Unmarshal([]byte(`{"succceeded":{"token":{"u8sJwt":"j"}}}`), &result); err != nil || result.Succeeded.Token.JWT.Value != "j" {
		t.Fatalf("succceeded: %v %+v", err, result)
	}
	if err := json.Unmarshal([]byte(`{"succeeded":{}}`), &result); err == nil {
		t.Errorf("the correctly spelled alternative must not be accepted")
	}
}

// asn1Directory is where the reference ASN.1 files live in the workspace.
const asn1Directory = "../../shared/reference/asn1"

// asn1Member is one member of an ASN.1 SEQUENCE or CHOICE.
type asn1Member struct {
	name     string
	optional bool
}

// parseASN1Types extracts the SEQUENCE and CHOICE definitions of the files:
// type name -> members in order. Comments are removed first.
func parseASN1Types(t *testing.T) map[string][]asn1Member {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(asn1Directory, "*.asn1"))
	if len(files) == 0 {
		t.Skip("reference ASN.1 files not found at " + asn1Directory)
	}
	comment := regexp.MustCompile(`--[^\n]*`)
	header := regexp.MustCompile(`(\w+)\s*::=\s*(SEQUENCE|CHOICE)\s*\{`)
	types := map[string][]asn1Member{}
	for _, file := range files {
		content, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		text := comment.ReplaceAllString(string(content), "")
		for _, match := range header.FindAllStringSubmatchIndex(text, -1) {
			name := text[match[2]:match[3]]
			body, depth := "", 1
			for position := match[1]; position < len(text); position++ {
				switch text[position] {
				case '{':
					depth++
				case '}':
					depth--
				}
				if depth == 0 {
					body = text[match[1]:position]
					break
				}
			}
			types[name] = splitASN1Members(body)
		}
	}
	return types
}

// splitASN1Members splits a SEQUENCE body at the top-level commas.
func splitASN1Members(body string) []asn1Member {
	var members []asn1Member
	depth, start := 0, 0
	flush := func(part string) {
		fields := strings.Fields(part)
		if len(fields) == 0 || fields[0] == "..." {
			return
		}
		members = append(members, asn1Member{name: fields[0], optional: strings.Contains(part, "OPTIONAL")})
	}
	for position := 0; position < len(body); position++ {
		switch body[position] {
		case '{':
			depth++
		case '}':
			depth--
		case ',':
			if depth == 0 {
				flush(body[start:position])
				start = position + 1
			}
		}
	}
	flush(body[start:])
	return members
}

// TestWireTypesMatchASN1 compares every Go wire type that has an ASN.1
// definition with it: same member names (exact case, "-" as "_"), same order,
// and OPTIONAL exactly where the Go tag has omitzero (CHOICE alternatives are
// all omitzero). This is what keeps u8sContactId and u8sContactID apart.
func TestWireTypesMatchASN1(t *testing.T) {
	definitions := parseASN1Types(t)
	checked := 0
	for _, sample := range wireTypes {
		goType := reflect.TypeOf(sample).Elem()
		members, found := definitions[goType.Name()]
		if !found {
			continue
		}
		checked++
		isChoice := goType.Implements(choiceType)
		var goMembers, asnMembers []string
		for index := 0; index < goType.NumField(); index++ {
			tag := goType.Field(index).Tag.Get("json")
			name, options, _ := strings.Cut(tag, ",")
			goMembers = append(goMembers, fmt.Sprintf("%s optional=%v", name, strings.Contains(options, "omitzero")))
		}
		for _, member := range members {
			asnMembers = append(asnMembers, fmt.Sprintf("%s optional=%v", strings.ReplaceAll(member.name, "-", "_"), member.optional || isChoice))
		}
		if !reflect.DeepEqual(goMembers, asnMembers) {
			t.Errorf("%s:\n go   %v\n asn1 %v", goType.Name(), goMembers, asnMembers)
		}
	}
	if checked < 60 {
		t.Errorf("only %d wire types found in the ASN.1 files, want at least 60", checked)
	}
	t.Logf("%d wire types compared with their ASN.1 definitions", checked)
}

// TestOperationsMatchASN1 compares the table with the OPERATION definitions of
// the ASN.1 files: id, argument type and result type.
func TestOperationsMatchASN1(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(asn1Directory, "*.asn1"))
	if len(files) == 0 {
		t.Skip("reference ASN.1 files not found at " + asn1Directory)
	}
	comment := regexp.MustCompile(`--[^\n]*`)
	pattern := regexp.MustCompile(`(\w+)\s+OPERATION\s+ARGUMENT\s+\w+\s+(\w+)(?:\s+RESULT\s+\w+\s+(\w+))?(?:\s+ERRORS\s*\{\s*(\w+)\s*\})?\s*::=\s*(\d+)`)
	type definition struct{ argument, result, errorType, id string }
	definitions := map[string]definition{}
	for _, file := range files {
		content, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		text := comment.ReplaceAllString(string(content), "")
		for _, match := range pattern.FindAllStringSubmatch(text, -1) {
			definitions[match[1]] = definition{match[2], match[3], match[4], match[5]}
		}
	}
	var missing []string
	for _, operation := range Operations() {
		if operation.Legacy {
			if operation.ID != 0 {
				t.Errorf("%s: legacy operation with id %d", operation.Name, operation.ID)
			}
			continue
		}
		want, found := definitions[operation.Name]
		if !found {
			missing = append(missing, operation.Name)
			continue
		}
		got := definition{operation.ArgumentType, operation.ResultType, operation.ErrorType, fmt.Sprint(int64(operation.ID))}
		if got != want {
			t.Errorf("%s:\n table %+v\n asn1  %+v", operation.Name, got, want)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("operations not found in the ASN.1 files: %v", missing)
	}
}
