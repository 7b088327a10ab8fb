// Package extract records DNN unit activations to images, the first step
// of a BH-score study, with ONNX Runtime as the inference engine: any ONNX
// model (exported with torch.onnx.export, tf2onnx or a Caffe converter),
// any intermediate tensor by name, the preprocessing of the original
// extraction scripts, outputs in bdpy's feature layout.
//
//	m, _ := extract.LoadModel("squeezenet1_1.onnx")
//	e, _ := extract.New(m, []extract.Layer{{Name: "fire8", Tensor: "/features/features.12/Concat_output_0"}},
//		&extract.Options{Preprocess: extract.PyTorch()})
//	defer e.Close()
//	n, err := e.Run(ctx, imageFiles, &features.DirWriter{Root: "features/MyNet"})
//
// # Engine
//
// ONNX Runtime's C API through github.com/yalue/onnxruntime_go, which
// loads libonnxruntime.so.1 at run time (dlopen): only this package needs
// the library, and only when New is called. It is found through
// Options.Library, the BHSCORE_ONNXRUNTIME environment variable, the
// dynamic loader's path or /usr/local/lib, where scripts/setup.sh installs
// ONNX Runtime 1.30.0 (CPU, linux x64, from the npm package
// onnxruntime-node). Without it New returns an error wrapping ErrLibrary.
//
// # Layers
//
// ONNX Runtime returns only graph outputs, so New rewrites the model
// (internal/onnxpb, generated from the official onnx.proto) with the
// requested tensors as its outputs. Model.Nodes and Model.Tensors list the
// names; an unknown name is an error wrapping ErrUnknownLayer that
// suggests similar names. Each Layer has an output name (a directory name)
// and a tensor; ParseLayer reads "name=tensor".
//
// # Preprocessing
//
//	preset    resize (Pillow bicubic, whole image)  values
//	pytorch   224 x 224                              RGB, /255, ImageNet mean/std
//	caffe     the model's input size                 BGR, 0-255 minus [104 117 123]
//	custom    Preprocess{Width, Height, Divisor, Mean, Std, BGR}
//
// These equal extract_features_pytorch.py and extract_features_caffe.py of
// the original (their scipy.misc.imresize called Pillow's resize). Grey
// images are replicated to three channels. Image.Resize is a port of
// Pillow's resampling and is byte-identical to Pillow 9.4 (tested).
// JPEG and PNG files are decoded in Go; PNG decoding is exact. JPEG
// chroma upsampling and colour conversion follow libjpeg-turbo (Pillow's
// decoder), but Go's inverse DCT differs: measured, pixels differ from
// Pillow's by at most 3 levels (mean 0.04-0.06) for colour and 1 level for
// grey JPEGs, which moved SqueezeNet activations by up to 7.8e-3 relative
// (PNG input: 1.2e-6). Palette PNGs are expanded to RGB and alpha is
// dropped (the original scripts did not handle these).
//
// # Running
//
// Extractor.Run decodes and resizes a batch of images on all cores while
// ONNX Runtime runs the previous batch (also on all cores), and hands each
// image's layers to a Sink, such as features.DirWriter (bdpy layout,
// <out>/<layer>/<stem>.mat, MAT v5 or v7.3, float32, shape 1 x unit shape;
// atomic writes). A Sink that is a Resumer lets a rerun skip images
// already done. Cancelling the context stops between batches and
// terminates a running inference. Results do not depend on batch size or
// worker count.
package extract
