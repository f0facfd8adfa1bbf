;;; eglot-test.el --- the Emacs snippet of editors/nvim/README.md, tested  -*- lexical-binding: t -*-
;;
;; Loads the elisp block under "### Emacs (eglot)" of editors/nvim/README.md
;; exactly as a user would paste it, then checks it against the fake language
;; server of the Neovim tests (editors/nvim/tests/fake_lsp.py), started as
;; `infrac lsp` through a wrapper put first on PATH. With INFRAC_BIN set, hover text and
;; completion are also checked against the real `infrac lsp`, with eglot's own capabilities.
;;
;;   [INFRAC_BIN=target/debug/infrac] emacs --batch -l ert -l editors/emacs/eglot-test.el \
;;     -f ert-run-tests-batch-and-exit
;;
;; Needs Emacs 28+ with eglot (built in from 29; Debian's elpa-eglot on 28) and python3.

(require 'ert)
(require 'package)
(package-initialize)
(require 'eglot)
(require 'flymake)

(defconst infra-test-editors
  (file-name-directory (directory-file-name (file-name-directory (or load-file-name buffer-file-name)))))
(defconst infra-test-readme (expand-file-name "nvim/README.md" infra-test-editors))
(defconst infra-test-fake (expand-file-name "nvim/tests/fake_lsp.py" infra-test-editors))
(defconst infra-test-fixture (expand-file-name "nvim/tests/fixtures/thumbnailer" infra-test-editors))

(defun infra-test-snippet ()
  "The elisp block of the README's Emacs section."
  (with-temp-buffer
    (insert-file-contents infra-test-readme)
    (goto-char (point-min))
    (re-search-forward "^### Emacs (eglot)")
    (re-search-forward "^```elisp\n")
    (let ((start (point)))
      (re-search-forward "^```$")
      (buffer-substring-no-properties start (match-beginning 0)))))

;; A scratch copy of the fixture project, and `infrac` on PATH running the fake server.
(defconst infra-test-dir (make-temp-file "infra-eglot-" t))
(copy-directory infra-test-fixture (expand-file-name "proj/" infra-test-dir) nil t t)
(let ((bin (expand-file-name "bin/" infra-test-dir)))
  (make-directory bin)
  (with-temp-file (expand-file-name "infrac" bin)
    (insert "#!/bin/sh\n[ \"$1\" = lsp ] || exit 2\nexec python3 " (shell-quote-argument infra-test-fake) "\n"))
  (set-file-modes (expand-file-name "infrac" bin) #o755)
  (setenv "PATH" (concat bin path-separator (getenv "PATH")))
  (setq exec-path (cons bin exec-path)))

(eval (car (read-from-string (concat "(progn " (infra-test-snippet) ")"))) t)

(defvar infra-test-server nil)

(defun infra-test-open ()
  "Visit main.infra of the scratch project, with eglot connected."
  (find-file (expand-file-name "proj/main.infra" infra-test-dir))
  (unless (and infra-test-server (jsonrpc-running-p infra-test-server))
    (setq infra-test-server (apply #'eglot (eglot--guess-contact))))
  (should (eq (eglot-current-server) infra-test-server)))

(ert-deftest infra-eglot-mode-and-project ()
  "*.infra opens in infra-mode; the project root is the directory holding infra.toml."
  (find-file (expand-file-name "proj/main.infra" infra-test-dir))
  (should (eq major-mode 'infra-mode))
  (should (equal (file-name-as-directory (project-root (project-current)))
                 (file-name-as-directory (expand-file-name "proj" infra-test-dir))))
  (should (equal comment-start "// ")))

(ert-deftest infra-eglot-comment-region ()
  "comment-region uses // comments."
  (with-temp-buffer
    (infra-mode)
    (insert "bucket media\n")
    (comment-region (point-min) (point-max))
    (should (equal (buffer-string) "// bucket media\n"))))

(ert-deftest infra-eglot-hover ()
  "eglot starts `infrac lsp` and hover shows the doc comment."
  (infra-test-open)
  (goto-char (point-min))
  (search-forward "reads media")
  (backward-char 2)
  (let* ((hover (jsonrpc-request infra-test-server :textDocument/hover
                                 (eglot--TextDocumentPositionParams)))
         (value (plist-get (plist-get hover :contents) :value)))
    (should (string-match-p "Uploaded videos and their thumbnails\\." value))))

(ert-deftest infra-eglot-diagnostics ()
  "An edit reaches the server and its diagnostic shows in flymake."
  (infra-test-open)
  (goto-char (point-max))
  (insert "\nbuckt extra {\n}\n")
  (eglot--signal-textDocument/didChange)
  (let ((deadline (+ (float-time) 10)) diags)
    (while (and (< (float-time) deadline) (null diags))
      (accept-process-output nil 0.1)
      (setq diags (flymake-diagnostics)))
    (should (= (length diags) 1))
    (let ((text (flymake-diagnostic-text (car diags))))
      (should (string-match-p "E0101" text))
      (should (string-match-p "unknown resource kind `buckt`" text)))
    (should (eq (flymake-diagnostic-type (car diags)) 'eglot-error))))

;; The real `infrac lsp` (INFRAC_BIN), with eglot's own capabilities: hover text and
;; completion as eglot receives them. Skipped without INFRAC_BIN.

(defconst infra-test-real-bin (getenv "INFRAC_BIN"))
(defvar infra-test-real-server nil)
(defconst infra-test-example
  (expand-file-name "../examples/thumbnailer" infra-test-editors))

(defun infra-test-real-open ()
  "Visit a scratch copy of examples/thumbnailer with eglot on the real `infrac lsp`."
  (let ((dir (expand-file-name "real/" infra-test-dir)))
    (unless (file-directory-p dir)
      (copy-directory infra-test-example dir nil t t))
    (find-file (expand-file-name "main.infra" dir))
    (unless (and infra-test-real-server (jsonrpc-running-p infra-test-real-server))
      ;; What `M-x eglot' would start, with the real server as the contact.
      (let ((args (eglot--guess-contact)))
        (setf (nth 3 args) (list infra-test-real-bin "lsp"))
        (setq infra-test-real-server (apply #'eglot args))))
    infra-test-real-server))

(defun infra-test-text (contents)
  "The text of hover CONTENTS: a string, MarkupContent or MarkedString."
  (cond ((stringp contents) contents)
        ((plist-get contents :value))
        (t (mapconcat (lambda (c) (if (stringp c) c (plist-get c :value))) contents "\n"))))

(ert-deftest infra-eglot-real-hover-text ()
  "Hover on a task shows its kind and the AWS resources it creates, in a form eglot takes."
  (skip-unless infra-test-real-bin)
  (let ((server (infra-test-real-open)))
    (goto-char (point-min))
    (search-forward "task ffm")
    (let* ((hover (jsonrpc-request server :textDocument/hover
                                   (eglot--TextDocumentPositionParams)))
           (text (infra-test-text (plist-get hover :contents))))
      (should (string-match-p "ffmpeg" text))
      (should (string-match-p "(Amazon ECS on AWS Fargate)" text))
      (should (string-match-p "aws:ecs:TaskDefinition" text)))))

(ert-deftest infra-eglot-real-completion ()
  "Completion in a task block offers its attributes; without snippet support no item is a
snippet and no text holds a `${1:' placeholder."
  (skip-unless infra-test-real-bin)
  (let* ((server (infra-test-real-open))
         (caps (eglot-client-capabilities server))
         (snippets (eq t (plist-get (plist-get (plist-get (plist-get caps :textDocument)
                                                           :completion)
                                                :completionItem)
                                     :snippetSupport))))
    (goto-char (point-min))
    (search-forward "reads media")
    (beginning-of-line)
    (insert "  \n")
    (forward-line -1)
    (end-of-line)
    (eglot--signal-textDocument/didChange)
    (let* ((result (jsonrpc-request server :textDocument/completion
                                    (eglot--TextDocumentPositionParams)))
           (items (if (vectorp result) result (plist-get result :items)))
           (labels (mapcar (lambda (i) (plist-get i :label)) items)))
      (should (member "image" labels))
      (should (member "storage" labels))
      (unless snippets
        (seq-doseq (item items)
          (should-not (eql 2 (plist-get item :insertTextFormat)))
          (let ((text (or (plist-get (plist-get item :textEdit) :newText)
                          (plist-get item :insertText) "")))
            (should-not (string-match-p "\\${[0-9]" text))))))))

(add-hook 'kill-emacs-hook
          (lambda ()
            (dolist (server (list infra-test-server infra-test-real-server))
              (when (and server (jsonrpc-running-p server))
                (ignore-errors (eglot-shutdown server))))
            (delete-directory infra-test-dir t)))

;;; eglot-test.el ends here
