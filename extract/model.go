package extract

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/brainhierarchy/bhscore/internal/fsx"
	"github.com/brainhierarchy/bhscore/internal/onnxpb"
)

// ErrModel is wrapped by errors for model files that are not ONNX models
// this package can use.
var ErrModel = errors.New("not a usable ONNX model")

// ErrUnknownLayer is wrapped when a requested tensor is not in the model.
var ErrUnknownLayer = errors.New("no such tensor in the model")

// Model is an ONNX model read from a file. It is read with the official
// onnx.proto schema; ONNX Runtime is not needed to list its contents.
// A Model is safe for concurrent reads.
type Model struct {
	path  string
	proto *onnxpb.ModelProto
}

// Node is one operator of a model's graph.
type Node struct {
	Name    string   // node name (may be empty)
	Op      string   // operator type, e.g. "Conv"
	Inputs  []string // input tensor names
	Outputs []string // output tensor names, the layers that can be extracted
}

// Tensor describes a graph input or output.
type Tensor struct {
	Name string
	// Shape has one entry per dimension; -1 marks a dimension of
	// unknown or symbolic size (such as a dynamic batch axis).
	Shape []int
}

// maxModelBytes bounds the model file size (protobuf's own 2 GiB limit;
// larger models keep their weights in external data files, which are not
// supported).
const maxModelBytes = 2 << 30

// LoadModel reads an ONNX model file.
func LoadModel(path string) (*Model, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("extract: %w", err)
	}
	if st.Size() >= maxModelBytes {
		return nil, fmt.Errorf("extract: %s: %w: %d bytes (models over 2 GiB with external data are not supported)", path, ErrModel, st.Size())
	}
	b, err := fsx.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("extract: %w", err)
	}
	m := &onnxpb.ModelProto{}
	if err := proto.Unmarshal(b, m); err != nil {
		return nil, fmt.Errorf("extract: %s: %w: %v", path, ErrModel, err)
	}
	g := m.GetGraph()
	if g == nil || len(g.GetNode()) == 0 {
		return nil, fmt.Errorf("extract: %s: %w: no graph nodes", path, ErrModel)
	}
	for _, t := range g.GetInitializer() {
		if t.GetDataLocation() == onnxpb.TensorProto_EXTERNAL {
			return nil, fmt.Errorf("extract: %s: %w: weights in external data files are not supported", path, ErrModel)
		}
	}
	return &Model{path: path, proto: m}, nil
}

// Path returns the file the model was read from.
func (m *Model) Path() string { return m.path }

// Nodes returns the graph's nodes in graph (topological) order.
func (m *Model) Nodes() []Node {
	var out []Node
	for _, n := range m.proto.GetGraph().GetNode() {
		out = append(out, Node{Name: n.GetName(), Op: n.GetOpType(), Inputs: slices.Clone(n.GetInput()), Outputs: slices.Clone(n.GetOutput())})
	}
	return out
}

// Inputs returns the graph inputs that are fed at run time (inputs that
// are also initializers, i.e. weights, are left out).
func (m *Model) Inputs() []Tensor {
	g := m.proto.GetGraph()
	init := make(map[string]bool)
	for _, t := range g.GetInitializer() {
		init[t.GetName()] = true
	}
	var out []Tensor
	for _, v := range g.GetInput() {
		if !init[v.GetName()] {
			out = append(out, tensorOf(v))
		}
	}
	return out
}

// Outputs returns the graph outputs.
func (m *Model) Outputs() []Tensor {
	var out []Tensor
	for _, v := range m.proto.GetGraph().GetOutput() {
		out = append(out, tensorOf(v))
	}
	return out
}

func tensorOf(v *onnxpb.ValueInfoProto) Tensor {
	t := Tensor{Name: v.GetName()}
	for _, d := range v.GetType().GetTensorType().GetShape().GetDim() {
		if x, ok := d.GetValue().(*onnxpb.TensorShapeProto_Dimension_DimValue); ok && x.DimValue > 0 {
			t.Shape = append(t.Shape, int(x.DimValue))
		} else {
			t.Shape = append(t.Shape, -1)
		}
	}
	return t
}

// Tensors returns the names of all tensors the graph computes (every
// node output), in graph order: the names Extract accepts as layers.
func (m *Model) Tensors() []string {
	var out []string
	for _, n := range m.proto.GetGraph().GetNode() {
		for _, o := range n.GetOutput() {
			if o != "" {
				out = append(out, o)
			}
		}
	}
	return out
}

// withOutputs returns the serialised model with the named tensors as its
// only graph outputs, in that order, so that ONNX Runtime returns them.
// Unknown names are an error that lists similar tensor names.
func (m *Model) withOutputs(names []string) ([]byte, error) {
	known := make(map[string]bool)
	for _, t := range m.Tensors() {
		known[t] = true
	}
	for _, v := range m.proto.GetGraph().GetInput() {
		known[v.GetName()] = true
	}
	for _, n := range names {
		if !known[n] {
			return nil, fmt.Errorf("extract: %s: %w: %q%s", m.path, ErrUnknownLayer, n, suggest(n, m.Tensors()))
		}
	}
	c := proto.Clone(m.proto).(*onnxpb.ModelProto)
	g := c.GetGraph()
	info := make(map[string]*onnxpb.ValueInfoProto)
	for _, v := range g.GetValueInfo() {
		info[v.GetName()] = v
	}
	for _, v := range g.GetOutput() {
		info[v.GetName()] = v
	}
	outs := make([]*onnxpb.ValueInfoProto, 0, len(names))
	for _, n := range names {
		if v, ok := info[n]; ok {
			outs = append(outs, v)
		} else {
			// ONNX Runtime infers the type of an output without one.
			outs = append(outs, &onnxpb.ValueInfoProto{Name: proto.String(n)})
		}
	}
	g.Output = outs
	return proto.Marshal(c)
}

// suggest returns ", similar: a, b, c" with up to five tensor names that
// share the most characters with name, or "".
func suggest(name string, tensors []string) string {
	type cand struct {
		s     string
		score int
	}
	var cs []cand
	low := strings.ToLower(name)
	for _, t := range tensors {
		lt := strings.ToLower(t)
		score := 0
		switch {
		case strings.Contains(lt, low) || strings.Contains(low, lt):
			score = 1000
		default:
			score = commonPrefix(lt, low) + commonSuffix(lt, low)
		}
		if score > 0 {
			cs = append(cs, cand{t, score})
		}
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].score > cs[j].score })
	if len(cs) == 0 {
		return fmt.Sprintf(" (the model has %d tensors; list them with Model.Tensors or extract -list)", len(tensors))
	}
	var s []string
	for i := 0; i < len(cs) && i < 5; i++ {
		s = append(s, cs[i].s)
	}
	return "; similar: " + strings.Join(s, ", ")
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

func commonSuffix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[len(a)-1-n] == b[len(b)-1-n] {
		n++
	}
	return n
}
